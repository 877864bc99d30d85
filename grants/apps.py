from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = "Retraining grants"

    def ready(self) -> None:
        from . import panels, receivers, tasks  # noqa: F401  (dashboard panels, the accepted-application receiver, tasks)
