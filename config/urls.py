"""Routes. Tenant pages live under /a/<alliance_slug>/, tenant API under /api/v1/alliances/<alliance_slug>/."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from alliances import views as alliance_views
from alliances.api import urls as alliance_api
from alliances.urls import platform_urlpatterns, tenant_urlpatterns

tenant_pages = [
    path("", include(tenant_urlpatterns)),
    path("", include("members.urls")),
    path("", include("subsidies.urls")),
    path("", include("events.urls")),
    path("", include("reports.urls")),
]

tenant_api = [
    path("", include(alliance_api.tenant_urlpatterns)),
    path("", include("members.api.urls")),
    path("", include("subsidies.api.urls")),
    path("", include("events.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("reports.api.dashboard_urls")),
]

api_v1 = [
    path("", include(alliance_api.global_urlpatterns)),
    path("reference/", include("members.api.reference")),
    path("bureau/", include("reports.api.portal_urls")),
    path("alliances/<slug:alliance_slug>/", include(tenant_api)),
]

urlpatterns = [
    path("", alliance_views.HomeView.as_view(), name="home"),
    path("healthz", alliance_views.healthz, name="healthz"),
    path("accounts/login/", alliance_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/two-factor/", alliance_views.TwoFactorView.as_view(), name="two-factor"),
    path(
        "accounts/password/",
        alliance_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("a/<slug:alliance_slug>/", include(tenant_pages)),
    path("platform/", include(platform_urlpatterns)),
    path("bureau/", include("reports.portal_urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI sets inline styles on its elements: allowed on this page only.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="schema")
        ),
        name="api-docs",
    ),
    path("favicon.ico", alliance_views.favicon, name="favicon"),
    path("admin/", admin.site.urls),
]
