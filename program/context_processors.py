from django.urls import reverse

from .dashboard import links_for
from .models import Role


def navigation(request) -> dict:
    """The menu: one dashboard per role the person holds, plus the admin for staff."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for role in user.roles_in_order():
        items.append(
            {"label": Role(role).label, "url": reverse("program:dashboard", kwargs={"role": role}), "role": role}
        )
        items.extend({"label": link.label, "url": reverse(link.url_name), "role": role} for link in links_for(role))
    if user.is_staff:
        items.append({"label": "Admin", "url": reverse("admin:index"), "role": "admin"})
    return {"nav_items": items}
