from django.urls import path

from . import views

app_name = "issuing"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("o/<slug:slug>/seal/", views.seal_page, name="seal"),
    path("o/<slug:slug>/template.<str:fmt>", views.sheet_template, name="template"),
    path("o/<slug:slug>/upload/", views.upload, name="upload"),
    path("o/<slug:slug>/batches/", views.batch_list, name="batches"),
    path("o/<slug:slug>/audit/", views.audit_log, name="audit"),
    path("batches/<str:public_id>/", views.batch_detail, name="batch"),
    path("batches/<str:public_id>/progress", views.batch_progress_partial, name="batch_progress"),
    path("batches/<str:public_id>/checked.xlsx", views.batch_annotated, name="batch_annotated"),
    path("batches/<str:public_id>/credentials.zip", views.batch_zip, name="batch_zip"),
    path("batches/<str:public_id>/exports/", views.batch_export, name="batch_export"),
    path(
        "batches/<str:public_id>/exports/<str:export_id>/progress",
        views.batch_export_progress,
        name="batch_export_progress",
    ),
    path(
        "batches/<str:public_id>/exports/<str:export_id>.zip",
        views.batch_export_download,
        name="batch_export_download",
    ),
    path("batches/<str:public_id>/<str:action>", views.batch_action, name="batch_action"),
    path("credentials/<str:public_id>/", views.credential_detail, name="credential"),
    path("credentials/<str:public_id>/credential.xml", views.credential_xml, name="credential_xml"),
    path("credentials/<str:public_id>/credential.jsonld", views.credential_edc3, name="credential_edc3"),
    path("credentials/<str:public_id>/credential.pdf", views.credential_pdf, name="credential_pdf"),
]
