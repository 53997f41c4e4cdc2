from django.urls import path

from . import api

urlpatterns = [
    path("organisations/<slug:slug>/batches", api.BatchUploadApi.as_view(), name="issuing-api-batch-upload"),
    path("organisations/<slug:slug>/credentials", api.IssueOneApi.as_view(), name="issuing-api-issue-one"),
    path("batches", api.BatchListApi.as_view(), name="issuing-api-batches"),
    path("batches/<str:public_id>", api.BatchDetailApi.as_view(), name="issuing-api-batch"),
    path("batches/<str:public_id>/confirm", api.BatchConfirmApi.as_view(), name="issuing-api-batch-confirm"),
    path(
        "batches/<str:public_id>/authorise",
        api.BatchAuthoriseApi.as_view(),
        name="issuing-api-batch-authorise",
    ),
    path("batches/<str:public_id>/exports", api.BatchExportApi.as_view(), name="issuing-api-batch-exports"),
    path(
        "batches/<str:public_id>/exports/<str:export_id>",
        api.BatchExportDetailApi.as_view(),
        name="issuing-api-batch-export",
    ),
    path(
        "batches/<str:public_id>/exports/<str:export_id>/zip",
        api.BatchExportZipApi.as_view(),
        name="issuing-api-batch-export-zip",
    ),
    path(
        "batches/<str:public_id>/credentials",
        api.BatchCredentialsApi.as_view(),
        name="issuing-api-batch-credentials",
    ),
    path("credentials/<str:public_id>", api.CredentialDetailApi.as_view(), name="issuing-api-credential"),
    path(
        "credentials/<str:public_id>/xml", api.CredentialXmlApi.as_view(), name="issuing-api-credential-xml"
    ),
    path(
        "credentials/<str:public_id>/edc3",
        api.CredentialEdc3Api.as_view(),
        name="issuing-api-credential-edc3",
    ),
    path(
        "credentials/<str:public_id>/revoke",
        api.CredentialRevokeApi.as_view(),
        name="issuing-api-credential-revoke",
    ),
]
