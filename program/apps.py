from django.apps import AppConfig


class ProgramConfig(AppConfig):
    name = "program"
    verbose_name = "Program"

    def ready(self) -> None:
        from . import checks, panels, tasks  # noqa: F401  (registers system checks, dashboard panels, tasks)
        from .privacy import tables  # noqa: F401  (erasure rules)
