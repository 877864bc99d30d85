"""Erasure rules for `program`'s tables and the sign-in tables of allauth (see policy.py)."""

from __future__ import annotations

from .policy import KEEP, Erase, register

AUDIT = "the audit: who did what, when (pseudonymised)"

register({
    "program.user": KEEP,  # pseudonymised by erasure itself: events, payments and scores point at it
    "account.emailaddress": Erase(delete=True),
    "mfa.authenticator": Erase(delete=True),
    "program.roleassignment": Erase(keep_for=AUDIT),
    "program.enrollment": Erase(blank=("background", "topics"), keep_for="attendance and pairing statistics"),
    "program.pairgroup": Erase(keep_for="the other members' pairing history"),
    "program.absence": KEEP,
    "program.donotpair": Erase(delete=True),
    "program.taassignment": KEEP,
    "program.calendarfeed": Erase(delete=True),
    "program.stateevent": Erase(keep_for=AUDIT),
    "program.dayfeedback": Erase(blank=("text",), keep_for="the day's ratings (statistics)"),
    "program.endsurvey": Erase(blank=("surprised", "change"), keep_for="the ratings (statistics)"),
    "program.labreport": Erase(keep_for="the pair's progress (statistics)"),
    "program.checkresult": KEEP,
    "program.attendance": Erase(keep_for="attendance statistics and feedback response rates"),
    "program.helprequest": Erase(blank=("note", "resolution"), keep_for="help-queue statistics (waits, tests)"),
    "program.dataexport": Erase(keep_for="proof that a data request was answered"),
    "program.fileaccess": Erase(keep_for=AUDIT),
    "program.personmerge": Erase(keep_for=AUDIT),
    "program.erasurerecord": Erase(keep_for="proof of the erasure"),
})  # fmt: skip
