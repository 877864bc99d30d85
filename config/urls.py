from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from program import views as program_views


class FaviconRedirect(RedirectView):
    """Browsers ask for /favicon.ico whatever the page says: send them to the real icon (its hashed
    name is looked up per request, so importing the URLs never needs the static manifest)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")


# The admin login goes through allauth too: rate limits, mandatory verification and two-factor.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Runway back office"
admin.site.site_title = "Runway"

urlpatterns = [
    path("healthz", program_views.healthz, name="healthz"),
    path("favicon.ico", FaviconRedirect.as_view()),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("applications/", include("applications.urls")),
    path("grants/", include("grants.urls")),
    path("", include("applications.updates.urls")),
    path("", include("program.urls")),
]
