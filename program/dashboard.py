"""Role dashboards are made of panels that each app registers for the roles it serves.

`program` owns the page but must not import the other apps, so `applications` and `grants` add their
panels from their AppConfig.ready(). A panel is a template plus a function returning its context; each
function must run a fixed number of queries whatever the data size (the tests assert it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: Callable[[HttpRequest], dict]
    order: int = 50
    wide: bool = False  # spans the whole row (tables with many columns)
    refresh_seconds: int | None = None  # htmx re-fetches the panel this often


_PANELS: dict[str, list[Panel]] = {}


def register_panel(role: str, panel: Panel) -> None:
    panels = _PANELS.setdefault(role, [])
    if any(p.key == panel.key for p in panels):
        return
    panels.append(panel)
    panels.sort(key=lambda p: p.order)


def panels_for(role: str) -> list[Panel]:
    return list(_PANELS.get(role, []))


def panel_for(role: str, key: str) -> Panel | None:
    return next((p for p in _PANELS.get(role, []) if p.key == key), None)


@dataclass(frozen=True)
class NavLink:
    """A menu entry for a role. `per_cohort`: the URL takes the slug of the person's current cohort
    (the one running today, else the next, else the latest), so daily pages are one click away."""

    label: str
    url_name: str
    order: int = 50
    per_cohort: bool = False


_LINKS: dict[str, list[NavLink]] = {}


def register_link(role: str, link: NavLink) -> None:
    """Extra menu entries for a role (e.g. the organizers' inbound mail log)."""
    links = _LINKS.setdefault(role, [])
    if link not in links:
        links.append(link)
        links.sort(key=lambda item: item.order)


def links_for(role: str) -> list[NavLink]:
    return list(_LINKS.get(role, []))
