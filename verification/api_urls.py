from django.urls import path

from . import api

urlpatterns = [
    path("verify", api.VerifyApi.as_view(), name="verification-api-verify"),
]
