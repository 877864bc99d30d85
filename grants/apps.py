from django.apps import AppConfig


class GrantsConfig(AppConfig):
    name = "grants"
    verbose_name = "Retraining grants"

    def ready(self) -> None:
        from . import panels, receivers  # noqa: F401  (registers dashboard panels and the accepted-application receiver)
