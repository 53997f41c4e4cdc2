from django.urls import path

from . import views

app_name = "status"
urlpatterns = [path("<uuid:public_id>", views.status_list, name="list")]
