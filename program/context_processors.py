from django.conf import settings
from django.urls import reverse

from .dashboard import links_for
from .models import Role
from .services import current_cohort


def navigation(request) -> dict:
    """The menu: one dashboard per role the person holds with that role's daily pages (those of a
    cohort point at the person's current cohort), plus the admin for staff."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items, cohort, looked_up = [], None, False
    for role in user.roles_in_order():
        items.append(
            {"label": Role(role).label, "url": reverse("program:dashboard", kwargs={"role": role}), "role": role}
        )
        for link in links_for(role):
            if link.per_cohort:
                if not looked_up:
                    cohort, looked_up = current_cohort(user), True
                if cohort is None:
                    continue
                url = reverse(link.url_name, kwargs={"slug": cohort.slug})
            else:
                url = reverse(link.url_name)
            if all(item["url"] != url for item in items):
                items.append({"label": link.label, "url": url, "role": role})
    if user.is_staff:
        items.append({"label": "Admin", "url": reverse("admin:index"), "role": "admin"})
    return {"nav_items": items}


def privacy(request) -> dict:
    """The privacy notice in force, for the forms that say what submitting them accepts."""
    return {"privacy_version": settings.PRIVACY_NOTICE_VERSION}
