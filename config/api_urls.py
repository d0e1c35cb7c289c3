"""REST API v1, included from config/urls.py under ``api/v1/``."""

from django.urls import path

from config.api.auth import TokenObtainApi
from institutions.apis import (
    InstitutionDetailApi,
    InstitutionListCreateApi,
    InstitutionLocationListCreateApi,
)
from mediators.apis import LanguageListApi

urlpatterns = [
    path("auth/token/", TokenObtainApi.as_view(), name="auth-token"),
    path("languages/", LanguageListApi.as_view(), name="language-list"),
    path("institutions/", InstitutionListCreateApi.as_view(), name="institution-list"),
    path("institutions/<int:pk>/", InstitutionDetailApi.as_view(), name="institution-detail"),
    path(
        "institutions/<int:pk>/locations/",
        InstitutionLocationListCreateApi.as_view(),
        name="institution-locations",
    ),
]
