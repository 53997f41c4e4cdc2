from django.urls import path

from . import views

app_name = "wallet"
urlpatterns = [
    path("", views.index, name="index"),
    path("upload/", views.upload, name="upload"),
    path("export.zip", views.export, name="export"),
    path("c/<uuid:public_id>/", views.detail, name="detail"),
    path("c/<uuid:public_id>/credential.xml", views.download_xml, name="xml"),
    path("c/<uuid:public_id>/credential.pdf", views.download_pdf, name="pdf"),
    path("c/<uuid:public_id>/credential.jsonld", views.download_jsonld, name="jsonld"),
    path("c/<uuid:public_id>/attachments/<int:number>", views.download_attachment, name="attachment"),
    path("c/<uuid:public_id>/delete", views.delete, name="delete"),
    path("c/<uuid:public_id>/share", views.share_create, name="share-create"),
    path("links/<uuid:link_id>/revoke", views.share_revoke, name="share-revoke"),
    path("claim/<str:token>/", views.claim, name="claim"),
    # Public: a live share link (the token is the only key).
    path("s/<str:token>/", views.share, name="share"),
    path("s/<str:token>/credential.xml", views.share_xml, name="share-xml"),
    path("s/<str:token>/credential.pdf", views.share_pdf, name="share-pdf"),
    path("s/<str:token>/credential.jsonld", views.share_jsonld, name="share-jsonld"),
    path("s/<str:token>/attachments/<int:number>", views.share_attachment, name="share-attachment"),
]
