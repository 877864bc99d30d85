from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        from . import panels, tasks  # noqa: F401  (registers dashboard panels and the tasks queued by name)
