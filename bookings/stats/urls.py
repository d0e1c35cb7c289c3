from django.urls import path

from .apis import StatsExportApi, StatsSummaryApi

urlpatterns = [
    path("summary/", StatsSummaryApi.as_view(), name="stats-summary"),
    path("export/", StatsExportApi.as_view(), name="stats-export"),
]
