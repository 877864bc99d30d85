from django.core.management.base import BaseCommand, CommandError

from program.cohorts.curriculum import CurriculumError, import_curriculum, load_file, map_program_days
from program.models import Cohort


class Command(BaseCommand):
    help = "Import (or re-import) a curriculum from a TOML or YAML file; optionally map it onto a cohort's days."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--cohort", help="Map the curriculum days onto this cohort's program days.")

    def handle(self, file: str, cohort: str | None, **options):
        try:
            curriculum, counts = import_curriculum(load_file(file))
        except CurriculumError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{curriculum}: {counts['days']} days, {counts['exercises']} exercises, {counts['retired']} retired"
        )
        if cohort:
            target = Cohort.objects.filter(slug=cohort).first()
            if target is None:
                raise CommandError(f"No cohort {cohort!r}.")
            self.stdout.write(f"{map_program_days(target, curriculum)} program days of {target} mapped")
