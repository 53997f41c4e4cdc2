from django.urls import path

from . import api

urlpatterns = [
    path("credentials", api.CredentialListApi.as_view(), name="wallet-api-credentials"),
    path("credentials/<uuid:public_id>", api.CredentialDetailApi.as_view(), name="wallet-api-credential"),
    path(
        "credentials/<uuid:public_id>/download/<str:fmt>",
        api.CredentialDownloadApi.as_view(),
        name="wallet-api-credential-download",
    ),
    path(
        "credentials/<uuid:public_id>/share-links",
        api.ShareLinkListApi.as_view(),
        name="wallet-api-share-links",
    ),
    path(
        "share-links/<uuid:link_id>/revoke",
        api.ShareLinkRevokeApi.as_view(),
        name="wallet-api-share-link-revoke",
    ),
]
