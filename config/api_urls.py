"""REST API v1, included from config/urls.py under ``api/v1/``."""

from django.urls import path

from config.api.auth import TokenObtainApi
from mediators.apis import LanguageListApi

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("languages/", LanguageListApi.as_view(), name="language-list"),
]
