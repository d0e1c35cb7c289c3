"""Routes of the notifications app: calendar feeds and the feed API."""

from django.urls import path

from .apis import CalendarFeedApi
from .views import calendar_feed

app_name = "notifications"

urlpatterns = [
    path("api/v1/calendar-feed/", CalendarFeedApi.as_view(), name="calendar-feed-api"),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar-feed"),
]
