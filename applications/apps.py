from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = "Applications"

    def ready(self) -> None:
        from program.cohorts.absences import partners_changed  # noqa: PLC0415
        from program.cohorts.attendance import missed_day  # noqa: PLC0415

        from . import panels, privacy, tasks  # noqa: F401  (dashboard panels, erasure rules, the tasks queued by name)
        from .attendance_mail import tell_missed  # noqa: PLC0415
        from .partner_mail import tell_new_partners  # noqa: PLC0415
        from .review import stored  # noqa: F401  (keeps the review queue's stored scores fresh)

        partners_changed.connect(tell_new_partners, dispatch_uid="applications.tell_new_partners")
        missed_day.connect(tell_missed, dispatch_uid="applications.tell_missed")
