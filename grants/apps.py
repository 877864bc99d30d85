from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = "Retraining grants"

    def ready(self) -> None:
        from . import panels, privacy, receivers, tasks  # noqa: F401  (panels, erasure rules, receivers, tasks)
