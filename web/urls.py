"""URLs of the pages. Each role has its own prefix; the REST API lives under /api/v1/."""

from django.urls import include, path, reverse_lazy

from .offline import SignOutView
from .views import (
    app,
    coordinator,
    coordinator_tasks,
    directory,
    front_door,
    home,
    institution,
    mediator,
    nobody_found,
    privacy,
    push,
    reschedule,
    security,
    series,
    stats,
    stats_report,
    tokens,
)

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
    # the front door: applying as a mediator, and its privacy notice
    path("apply/", front_door.apply, name="apply"),
    path("apply/sent/", front_door.apply_sent, name="apply-sent"),
    path("privacy/", front_door.privacy_notice, name="privacy-notice"),
    path("favicon.ico", front_door.favicon, name="favicon"),
    # the installable app (views/app.py, offline.py)
    path("manifest.webmanifest", app.manifest, name="manifest"),
    path("sw.js", app.service_worker, name="service-worker"),
    path("coordinator/statistics/", stats.dashboard, name="stats-dashboard"),
    path(
        "coordinator/statistics/yearly-report/",
        stats_report.yearly_report_download,
        name="stats-yearly-report",
    ),
    path("account/data/", privacy.my_data, name="my-data"),
    # institution staff
    path("institution/request/", institution.request_booking, name="institution-request"),
    path("institution/bookings/", institution.bookings, name="institution-bookings"),
    path("institution/bookings/<int:pk>/", institution.booking_detail, name="institution-booking"),
    path("institution/bookings/<int:pk>/cancel/", institution.cancel, name="institution-cancel"),
    path(
        "institution/bookings/<int:pk>/report/",
        institution.review_report,
        name="institution-review-report",
    ),
    path(
        "institution/bookings/<int:pk>/reschedule/",
        reschedule.institution_reschedule,
        name="institution-reschedule",
    ),
    path(
        "institution/series/<int:pk>/cancel/",
        series.cancel_from,
        name="institution-series-cancel",
    ),
    path("institution/calendar-feed/", institution.feed, name="institution-feed"),
    # mediators
    path("mediator/offers/", mediator.offers, name="mediator-offers"),
    path("mediator/offers/<int:pk>/", mediator.offer_detail, name="mediator-offer"),
    path(
        "mediator/offers/<int:pk>/<str:answer>/",
        mediator.offer_answer,
        name="mediator-offer-answer",
    ),
    path("mediator/open-requests/", mediator.board, name="mediator-board"),
    path("mediator/open-requests/<int:pk>/take/", mediator.board_take, name="mediator-board-take"),
    path("mediator/assignments/", mediator.assignments, name="mediator-assignments"),
    path("mediator/bookings/<int:pk>/", mediator.booking_detail, name="mediator-booking"),
    path("mediator/bookings/<int:pk>/report/", mediator.report, name="mediator-report"),
    path("mediator/bookings/<int:pk>/give-back/", mediator.give_back, name="mediator-give-back"),
    path("mediator/availability/", mediator.availability, name="mediator-availability"),
    path(
        "mediator/availability/<int:pk>/delete/",
        mediator.availability_delete,
        name="mediator-availability-delete",
    ),
    path(
        "mediator/availability/dates/<int:pk>/delete/",
        mediator.availability_date_remove,
        name="mediator-availability-date-delete",
    ),
    path("mediator/absences/", mediator.absences, name="mediator-absences"),
    path(
        "mediator/absences/<int:pk>/delete/",
        mediator.absence_remove,
        name="mediator-absence-delete",
    ),
    path("mediator/profile/", mediator.profile, name="mediator-profile"),
    path("mediator/push/subscribe/", push.subscribe, name="mediator-push-subscribe"),
    path(
        "mediator/push/devices/<int:pk>/delete/",
        push.device_delete,
        name="mediator-push-device-delete",
    ),
    path("account/api-tokens/", tokens.api_tokens, name="api-tokens"),
    path("mediator/statement/", mediator.statement, name="mediator-statement"),
    path("mediator/calendar-feed/", mediator.feed, name="mediator-feed"),
    # coordinators
    path("coordinator/work/", coordinator.worklist, name="coordinator-worklist"),
    path(
        "coordinator/applications/<int:pk>/accept/",
        front_door.application_accept_page,
        name="coordinator-application-accept",
    ),
    path(
        "coordinator/applications/<int:pk>/decline/",
        front_door.application_decline_page,
        name="coordinator-application-decline",
    ),
    path("coordinator/messages/<int:pk>/resend/", coordinator.resend, name="coordinator-resend"),
    path("coordinator/bookings/", coordinator.bookings, name="coordinator-bookings"),
    path("coordinator/bookings/<int:pk>/", coordinator.booking_detail, name="coordinator-booking"),
    path("coordinator/bookings/<int:pk>/assign/", coordinator.assign, name="coordinator-assign"),
    path(
        "coordinator/series/<int:pk>/cancel/",
        series.coordinator_cancel_from,
        name="coordinator-series-cancel",
    ),
    # the daily tasks (views/coordinator_tasks.py, views/reschedule.py)
    path("coordinator/requests/new/", coordinator_tasks.request_new, name="coordinator-request"),
    path(
        "coordinator/bookings/<int:pk>/reschedule/",
        reschedule.coordinator_reschedule,
        name="coordinator-reschedule",
    ),
    path(
        "coordinator/bookings/<int:pk>/resolve-report/",
        coordinator_tasks.resolve_report,
        name="coordinator-resolve-report",
    ),
    path(
        "coordinator/bookings/<int:pk>/no-show/",
        coordinator_tasks.no_show,
        name="coordinator-no-show",
    ),
    path(
        "coordinator/bookings/<int:pk>/travel-report/",
        coordinator_tasks.travel_report,
        name="coordinator-travel-report",
    ),
    path(
        "coordinator/bookings/<int:pk>/called-back/",
        coordinator_tasks.called_back,
        name="coordinator-called-back",
    ),
    path(
        "coordinator/bookings/<int:pk>/conflicts/",
        coordinator_tasks.conflict_add,
        name="coordinator-conflict-add",
    ),
    path(
        "coordinator/bookings/<int:pk>/conflicts/<int:conflict_pk>/lift/",
        coordinator_tasks.conflict_remove,
        name="coordinator-conflict-lift",
    ),
    path(
        "coordinator/bookings/<int:pk>/nobody-found/ask/",
        nobody_found.ask_anyway,
        name="coordinator-ask-anyway",
    ),
    path(
        "coordinator/bookings/<int:pk>/nobody-found/move/",
        nobody_found.move,
        name="coordinator-move",
    ),
    path(
        "coordinator/bookings/<int:pk>/nobody-found/tell/",
        nobody_found.tell_institution,
        name="coordinator-tell-institution",
    ),
    path(
        "coordinator/bookings/<int:pk>/nobody-found/widen/",
        nobody_found.widen,
        name="coordinator-widen",
    ),
    path(
        "coordinator/bookings/<int:pk>/<str:action>/",
        coordinator.decide,
        name="coordinator-decide",
    ),
    path("coordinator/planner/", coordinator.planner, name="coordinator-planner"),
    path("coordinator/plans/<int:pk>/", coordinator.plan_detail, name="coordinator-plan"),
    path(
        "coordinator/plans/<int:pk>/status/",
        coordinator.plan_status,
        name="coordinator-plan-status",
    ),
    path(
        "coordinator/plans/<int:pk>/<str:action>/",
        coordinator.plan_decide,
        name="coordinator-plan-decide",
    ),
    path("coordinator/mediators/", directory.mediators, name="coordinator-mediators"),
    path(
        "coordinator/mediators/import/",
        directory.mediator_import,
        name="coordinator-mediator-import",
    ),
    path(
        "coordinator/mediators/import/template.csv",
        directory.mediator_import_template,
        name="coordinator-mediator-import-template",
    ),
    path("coordinator/payouts/", directory.payouts, name="coordinator-payouts"),
    path(
        "coordinator/payouts/mark-paid/",
        directory.payouts_mark_paid,
        name="coordinator-payouts-mark-paid",
    ),
    path("coordinator/mediators/new/", coordinator.mediator_new, name="coordinator-mediator-new"),
    path(
        "coordinator/mediators/<int:pk>/",
        coordinator.mediator_detail,
        name="coordinator-mediator",
    ),
    path("coordinator/security/", security.coordinator_security, name="coordinator-security"),
    path(
        "coordinator/security/<int:user_id>/lift/",
        security.coordinator_lift_lockout,
        name="coordinator-lift-lockout",
    ),
    path(
        "coordinator/security/<int:user_id>/reset-second-factor/",
        security.coordinator_reset_second_factor,
        name="coordinator-reset-second-factor",
    ),
    path(
        "coordinator/people/<int:user_id>/data/",
        privacy.person_export,
        name="coordinator-person-export",
    ),
    path(
        "coordinator/people/<int:user_id>/erase/",
        privacy.person_erase_page,
        name="coordinator-person-erase",
    ),
]

# Django's own auth views with our templates; names stay Django's ("login", "logout", ...).
auth_urlpatterns = [
    path("accounts/login/", home.SignInView.as_view(), name="login"),
    # Signing out also empties the browser's caches of this site (offline.py).
    path("accounts/logout/", SignOutView.as_view(), name="logout"),
    # The password reset and the set-password links, under the lock-out (views/security.py).
    path("accounts/password_reset/", security.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/set-password/<uidb64>/<token>/",
        security.SetPasswordView.as_view(
            template_name="registration/set_password.html",
            success_url=reverse_lazy("password_reset_complete"),
            post_reset_login=False,
        ),
        name="set-password",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        security.SetPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    # The second factor.
    path("accounts/two-factor/", security.second_factor, name="two-factor"),
    path("accounts/two-factor/enrol/", security.second_factor_enrol, name="two-factor-enrol"),
    path("accounts/two-factor/qr.svg", security.second_factor_qr, name="two-factor-qr"),
    path(
        "accounts/two-factor/verify/",
        security.second_factor_verify_page,
        name="two-factor-verify",
    ),
    path(
        "accounts/two-factor/recovery-codes/",
        security.second_factor_new_codes,
        name="two-factor-codes",
    ),
    path("accounts/two-factor/turn-off/", security.second_factor_turn_off, name="two-factor-off"),
    path("accounts/", include("django.contrib.auth.urls")),
]
