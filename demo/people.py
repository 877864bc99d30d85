"""The demo's people: staff with one login per role, and names for everyone else."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password

from program.models import Role, User
from program.services import grant_role

DEMO_PASSWORD = "runway-demo"
# A fixed TOTP secret so a demo organizer can add it to an authenticator app (demo data only!).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Katherine",
    "Edsger",
    "Barbara",
    "Donald",
    "Frances",
    "John",
    "Radia",
    "Ken",
    "Margaret",
    "Dennis",
    "Shafi",
    "Leslie",
    "Sophie",
    "Tim",
    "Fei-Fei",
    "Yoshua",
    "Daphne",
    "Andrej",
    "Chelsea",
    "Ilya",
    "Jürgen",
    "Noam",
    "Ruth",
    "Sergey",
    "Zeynep",
    "Chidi",
    "Priya",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Johnson",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Allen",
    "McCarthy",
    "Perlman",
    "Thompson",
    "Hamilton",
    "Ritchie",
    "Goldwasser",
    "Lamport",
    "Wilson",
    "Berners-Lee",
    "Li",
    "Bengio",
    "Koller",
    "Karpathy",
    "Finn",
    "Sutskever",
    "Schmidhuber",
    "Shazeer",
    "Müller",
    "Brin",
    "Tufekci",
    "Okafor",
    "Raman",
]

STAFF = [
    ("organizer@runway.test", "Olivia Organizer", [Role.ORGANIZER]),
    ("payments@runway.test", "Paula Payments", [Role.ORGANIZER]),
    ("coordinator@runway.test", "Cody Coordinator", [Role.COORDINATOR]),
    ("reviewer@runway.test", "Rhea Reviewer", [Role.REVIEWER]),
    ("interviewer@runway.test", "Ivan Interviewer", [Role.INTERVIEWER, Role.REVIEWER]),
]
_HASH = {}


def name(i: int) -> str:
    return f"{FIRST[i % len(FIRST)]} {LAST[(i * 7 + i // len(FIRST)) % len(LAST)]}"


def person(email: str, full_name: str, roles=()) -> User:
    """A demo person with the demo password and a verified address (made once; later runs find them)."""
    user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
    if created:
        # Hash once and reuse: a fresh PBKDF2 hash per demo person would take most of a minute.
        if "hash" not in _HASH:
            _HASH["hash"] = make_password(DEMO_PASSWORD)
        user.password = _HASH["hash"]
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    for role in roles:
        grant_role(user, role)
    return user


def organizer_totp(organizer: User) -> None:
    if not Authenticator.objects.filter(user=organizer, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(organizer, DEMO_TOTP_SECRET)
