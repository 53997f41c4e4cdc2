from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("", views.register_home, name="home"),
    path("qualifications/", views.qualification_index, name="qualifications"),
    path("qualifications/<str:code>", views.qualification_detail, name="qualification"),
    path("organisations/<slug:slug>", views.organisation_detail, name="organisation"),
]
