"""The bookings' page without sign-in: the one-click answer to an offer e-mail (the same
address as before the move from notifications, so the links of e-mails already sent work)."""

from django.urls import path

from .views import OfferAnswerView

app_name = "bookings"

urlpatterns = [
    path("offers/answer/<str:token>/", OfferAnswerView.as_view(), name="offer-answer"),
]
