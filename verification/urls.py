from django.urls import path

from . import views

app_name = "verification"
urlpatterns = [
    path("", views.index, name="index"),
    path("r/<str:token>/", views.report, name="report"),
    path("report/<str:token>.json", views.report_json, name="report-json"),
    path("report/<str:token>.pdf", views.report_pdf_view, name="report-pdf"),
    path("report/<str:token>/attachments/<int:number>", views.report_attachment, name="report-attachment"),
    path("report/<str:token>", views.result, name="result"),
]
