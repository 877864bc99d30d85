"""Dashboard panels of the grants app."""

from __future__ import annotations

from django.db.models import Count, F, Sum
from django.http import HttpRequest

from program.dashboard import NavLink, Panel, register_link, register_panel
from program.models import Role

from .models import Grant, GrantState


def grants_overview_context(request: HttpRequest) -> dict:
    counts, committed = {}, {}
    for r in (
        Grant.objects.order_by()
        .values("state", "currency")
        .annotate(n=Count("pk"), committed=Sum(F("monthly_stipend") * F("months")))
        .order_by("state", "currency")
    ):
        counts[r["state"]] = counts.get(r["state"], 0) + r["n"]
        committed.setdefault(r["state"], []).append((r["currency"], r["committed"]))
    # Amounts of different currencies are never added up: one figure per currency.
    summary = [{"state": s, "count": counts.get(s, 0), "committed": committed.get(s, [])} for s in GrantState]
    recent = Grant.objects.select_related("grantee").order_by("-state_changed_at")[:10]
    return {"summary": summary, "recent": recent}


def my_grants_context(request: HttpRequest) -> dict:
    return {"grants": list(Grant.objects.filter(grantee=request.user).order_by("-start_date"))}


register_panel(
    Role.ORGANIZER, Panel("grants", "Retraining grants", "grants/panels/overview.html", grants_overview_context, 20)
)
register_panel(Role.APPLICANT, Panel("my-grants", "My grants", "grants/panels/my_grants.html", my_grants_context, 20))
register_link(Role.ORGANIZER, NavLink("Grants", "grants:list", 40))
register_link(Role.ORGANIZER, NavLink("Alumni", "grants:alumni", 45))
