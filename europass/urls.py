from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from europass.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("registry/", include("europass.registry.urls")),
    path("status/", include("europass.status.urls")),
    path("issuing/", include("issuing.urls")),
    path("api/v1/issuing/", include("issuing.api_urls")),
    path("wallet/", include("wallet.urls")),
    path("api/v1/wallet/", include("wallet.api_urls")),
    path("verify/", include("verification.urls")),
    path("api/v1/", include("verification.api_urls")),
]

handler400 = "europass.core.views.bad_request"
handler403 = "europass.core.views.permission_denied"
handler404 = "europass.core.views.page_not_found"
handler500 = "europass.core.views.server_error"
