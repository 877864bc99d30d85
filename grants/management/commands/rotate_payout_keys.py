"""`manage.py rotate_payout_keys`: re-encrypt every row of sealed bank details with the first key of
PAYOUT_ENCRYPTION_KEYS. Put the new key first, keep the old ones after it, run this, then drop them."""

from django.core.management.base import BaseCommand, CommandError

from grants.payments.vault import SealBroken, rotate_all


class Command(BaseCommand):
    help = "Re-encrypt all sealed bank details with the newest key."

    def handle(self, **options):
        try:
            done = rotate_all()
        except SealBroken as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(f"Re-encrypted {done} row(s) with the first key.")
