"""REST API v1, included from config/urls.py under ``api/v1/``."""

from django.urls import path

from bookings.apis.absences import MediatorAbsenceListCreateApi
from bookings.apis.accounting import BudgetListApi, PayoutApi, StatementApi
from bookings.apis.board import OpenRequestListApi, OpenRequestTakeApi
from bookings.apis.bookings import (
    BookingApproveApi,
    BookingCancelApi,
    BookingDetailApi,
    BookingListCreateApi,
    BookingRefuseApi,
)
from bookings.apis.lifecycle import (
    BookingNoShowApi,
    BookingRescheduleApi,
    BookingResolveReportApi,
    BookingTravelReportApi,
)
from bookings.apis.matching import BookingAssignApi, BookingCandidatesApi
from bookings.apis.offers import OfferAcceptApi, OfferDeclineApi, OfferListApi
from bookings.apis.reports import (
    BookingConfirmReportApi,
    BookingDisputeReportApi,
    BookingReportApi,
)
from bookings.apis.series import (
    SeriesCancelApi,
    SeriesCreateApi,
    SeriesDetailApi,
    SeriesPreviewApi,
)
from bookings.planner.apis import (
    PlanApplyApi,
    PlanDetailApi,
    PlanDiscardApi,
    PlanListCreateApi,
)
from bookings.privacy.apis import (
    AccessLogListApi,
    MeExportApi,
    PersonEraseApi,
    PersonExportApi,
)
from config.api.auth import TokenApi, TokenListApi, TokenRevokeApi
from institutions.apis import (
    InstitutionDetailApi,
    InstitutionListCreateApi,
    InstitutionLocationListCreateApi,
)
from mediators.apis import (
    AbsenceDeleteApi,
    AvailabilityDateDeleteApi,
    AvailabilityDateListCreateApi,
    AvailabilityDeleteApi,
    AvailabilityListCreateApi,
    LanguageListApi,
    MediatorConflictListCreateApi,
    MediatorDetailApi,
    MediatorListCreateApi,
    MediatorMeApi,
    MediatorMeConflictListCreateApi,
    MediatorPauseApi,
    MediatorResumeApi,
)

urlpatterns = [
    path("auth/token/", TokenApi.as_view(), name="auth-token"),
    path("auth/tokens/", TokenListApi.as_view(), name="auth-token-list"),
    path("auth/tokens/<str:key>/", TokenRevokeApi.as_view(), name="auth-token-detail"),
    path("languages/", LanguageListApi.as_view(), name="language-list"),
    # institutions
    path("institutions/", InstitutionListCreateApi.as_view(), name="institution-list"),
    path("institutions/<int:pk>/", InstitutionDetailApi.as_view(), name="institution-detail"),
    path(
        "institutions/<int:pk>/locations/",
        InstitutionLocationListCreateApi.as_view(),
        name="institution-locations",
    ),
    # mediators
    path("mediators/", MediatorListCreateApi.as_view(), name="mediator-list"),
    path("mediators/me/", MediatorMeApi.as_view(), name="mediator-me"),
    path(
        "mediators/me/availability/",
        AvailabilityListCreateApi.as_view(),
        name="mediator-availability",
    ),
    path(
        "mediators/me/availability/<int:pk>/",
        AvailabilityDeleteApi.as_view(),
        name="mediator-availability-detail",
    ),
    path(
        "mediators/me/availability-dates/",
        AvailabilityDateListCreateApi.as_view(),
        name="mediator-availability-dates",
    ),
    path(
        "mediators/me/availability-dates/<int:pk>/",
        AvailabilityDateDeleteApi.as_view(),
        name="mediator-availability-date-detail",
    ),
    path(
        "mediators/me/absences/",
        MediatorAbsenceListCreateApi.as_view(),
        name="mediator-absences",
    ),
    path(
        "mediators/me/absences/<int:pk>/",
        AbsenceDeleteApi.as_view(),
        name="mediator-absence-detail",
    ),
    path(
        "mediators/me/conflicts/",
        MediatorMeConflictListCreateApi.as_view(),
        name="mediator-me-conflicts",
    ),
    path("mediators/<int:pk>/", MediatorDetailApi.as_view(), name="mediator-detail"),
    path("mediators/<int:pk>/pause/", MediatorPauseApi.as_view(), name="mediator-pause"),
    path("mediators/<int:pk>/resume/", MediatorResumeApi.as_view(), name="mediator-resume"),
    path(
        "mediators/<int:pk>/conflicts/",
        MediatorConflictListCreateApi.as_view(),
        name="mediator-conflicts",
    ),
    # bookings
    path("bookings/", BookingListCreateApi.as_view(), name="booking-list"),
    path("bookings/<int:pk>/", BookingDetailApi.as_view(), name="booking-detail"),
    path("bookings/<int:pk>/approve/", BookingApproveApi.as_view(), name="booking-approve"),
    path("bookings/<int:pk>/refuse/", BookingRefuseApi.as_view(), name="booking-refuse"),
    path("bookings/<int:pk>/cancel/", BookingCancelApi.as_view(), name="booking-cancel"),
    path("series/", SeriesCreateApi.as_view(), name="series-list"),
    path("series/preview/", SeriesPreviewApi.as_view(), name="series-preview"),
    path("series/<int:pk>/", SeriesDetailApi.as_view(), name="series-detail"),
    path("series/<int:pk>/cancel/", SeriesCancelApi.as_view(), name="series-cancel"),
    path("bookings/<int:pk>/report/", BookingReportApi.as_view(), name="booking-report"),
    path(
        "bookings/<int:pk>/confirm-report/",
        BookingConfirmReportApi.as_view(),
        name="booking-confirm-report",
    ),
    path(
        "bookings/<int:pk>/dispute-report/",
        BookingDisputeReportApi.as_view(),
        name="booking-dispute-report",
    ),
    path(
        "bookings/<int:pk>/reschedule/", BookingRescheduleApi.as_view(), name="booking-reschedule"
    ),
    path(
        "bookings/<int:pk>/resolve-report/",
        BookingResolveReportApi.as_view(),
        name="booking-resolve-report",
    ),
    path(
        "bookings/<int:pk>/travel-report/",
        BookingTravelReportApi.as_view(),
        name="booking-travel-report",
    ),
    path("bookings/<int:pk>/no-show/", BookingNoShowApi.as_view(), name="booking-no-show"),
    # accounting
    path("budgets/", BudgetListApi.as_view(), name="budget-list"),
    path("statements/", StatementApi.as_view(), name="statement"),
    path("payouts/", PayoutApi.as_view(), name="payout"),
    # matching and offers
    path(
        "bookings/<int:pk>/candidates/", BookingCandidatesApi.as_view(), name="booking-candidates"
    ),
    path("bookings/<int:pk>/assign/", BookingAssignApi.as_view(), name="booking-assign"),
    path("offers/", OfferListApi.as_view(), name="offer-list"),
    path("offers/<int:pk>/accept/", OfferAcceptApi.as_view(), name="offer-accept"),
    path("offers/<int:pk>/decline/", OfferDeclineApi.as_view(), name="offer-decline"),
    path("open-requests/", OpenRequestListApi.as_view(), name="open-request-list"),
    path("open-requests/<int:pk>/take/", OpenRequestTakeApi.as_view(), name="open-request-take"),
    # privacy (docs/privacy.md)
    path("me/export/", MeExportApi.as_view(), name="me-export"),
    path("people/<int:user_id>/export/", PersonExportApi.as_view(), name="person-export"),
    path("people/<int:user_id>/erase/", PersonEraseApi.as_view(), name="person-erase"),
    path("access-log/", AccessLogListApi.as_view(), name="access-log"),
    # batch planner
    path("plans/", PlanListCreateApi.as_view(), name="plan-list"),
    path("plans/<int:pk>/", PlanDetailApi.as_view(), name="plan-detail"),
    path("plans/<int:pk>/apply/", PlanApplyApi.as_view(), name="plan-apply"),
    path("plans/<int:pk>/discard/", PlanDiscardApi.as_view(), name="plan-discard"),
]
