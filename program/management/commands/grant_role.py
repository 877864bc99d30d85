from django.core.management.base import BaseCommand, CommandError

from program.models import User
from program.services import UnknownRole, grant_role, parse_role, revoke_role


class Command(BaseCommand):
    help = "Give a person a role (organizer, coordinator, reviewer, interviewer, ta, participant, applicant)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("role")
        parser.add_argument("--revoke", action="store_true", help="Take the role away instead.")
        parser.add_argument("--create", action="store_true", help="Create the person if unknown.")

    def handle(self, email, role, revoke, create, **options):
        try:
            role = parse_role(role)
        except UnknownRole as exc:
            raise CommandError(str(exc)) from None
        user = User.objects.with_email(email).first()
        if user is None:
            if not create:
                raise CommandError(f"No person with email {email!r}. Use --create to add them.")
            user = User.objects.create_user(email)
        changed = revoke_role(user, role) if revoke else grant_role(user, role)
        verb = "revoked from" if revoke else "granted to"
        self.stdout.write(f"{role.label} {verb} {user.email}" + ("" if changed else " (no change)"))
