"""REST API v1: the money side — every budget's use, and the monthly expense statements.

``GET /api/v1/budgets/?year=`` lists budgets within reach (coordinators: every budget of the
pool; institution staff: their institution's). ``GET /api/v1/statements/?year=&month=``
answers a mediator with their own statement and a coordinator with the pool's totals per
mediator, or with one mediator's statement (``?mediator=ID``; 404 outside the pool).
``GET /api/v1/payouts/?year=&month=`` gives a coordinator the pool's payout list (IBANs
included) and whether the month is marked as paid.
"""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.fields import BerlinDateTimeField, year_field
from config.api.pagination import Pagination
from config.api.permissions import IsCoordinator, IsInstitutionStaff, IsMediator
from core.constants import ActorRole
from core.dates import FIRST_YEAR, LAST_YEAR
from core.read_log import READ, read_logged
from core.roles import actor_role_of
from core.time import local_date
from mediators.selectors import mediators_kept_by

from ..constants import AllowanceKind, TaxFreeState
from ..selectors.budgets import budget_use_visible_to
from ..selectors.payouts import payout_for
from ..selectors.statements import (
    Statement,
    TaxFreeStatus,
    mediator_statement,
    pool_statement_totals,
)


def _today() -> datetime.date:
    return local_date(timezone.now())


def _year_field() -> serializers.IntegerField:
    return year_field(
        required=False, help_text=f"Default: this year. From {FIRST_YEAR} to {LAST_YEAR}."
    )


# --- budgets ------------------------------------------------------------------------------


class BudgetListApi(APIView):
    """Every budget's use for one year: hours budgeted, used (bookings that may still take
    place or took place), awaiting approval, and left (negative when overdrawn)."""

    permission_classes = [IsCoordinator | IsInstitutionStaff]
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        year = _year_field()

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="budget_id")
        institution = serializers.IntegerField(source="institution_id")
        institution_name = serializers.CharField(source="institution")
        funding_source = serializers.IntegerField(source="funding_source_id")
        funding_source_name = serializers.CharField(source="funding_source")
        year = serializers.IntegerField()
        hours_budgeted = serializers.DecimalField(max_digits=9, decimal_places=2)
        hours_used = serializers.DecimalField(max_digits=9, decimal_places=2)
        hours_awaiting_approval = serializers.DecimalField(max_digits=9, decimal_places=2)
        hours_left = serializers.DecimalField(max_digits=9, decimal_places=2)

    @extend_schema(parameters=[FilterSerializer], responses=OutputSerializer(many=True))
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        year = filters.validated_data.get("year", _today().year)
        uses = budget_use_visible_to(request.user, year=year)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(uses, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


# --- statements ---------------------------------------------------------------------------

TAX_FREE_WARNINGS = {
    TaxFreeState.WARNING: _(
        "The allowances of %(year)s (%(total)s €) approach the tax-free yearly amount of "
        "%(limit)s €."
    ),
    TaxFreeState.EXCEEDED: _(
        "The allowances of %(year)s (%(total)s €) are above the tax-free yearly amount of "
        "%(limit)s €."
    ),
}


class TaxFreeOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    total_cents = serializers.IntegerField(help_text="The year's allowances so far.")
    limit_cents = serializers.IntegerField(
        help_text="The tax-free yearly amount of that year (840 € up to 2025, 960 € from 2026)."
    )
    warning_cents = serializers.IntegerField(help_text="From here on the state is 'warning'.")
    left_cents = serializers.IntegerField()
    state = serializers.ChoiceField(choices=TaxFreeState.choices)
    percent = serializers.IntegerField(help_text="The share of the amount used (whole percent).")
    reached = serializers.ChoiceField(
        choices=["", "warning", "limit"],
        help_text="The highest threshold reached: warning (the pool's share, 80 % unless set) "
        "or limit (100 %); the mediator is told by e-mail once per threshold and year.",
    )
    warning = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_warning(self, status: TaxFreeStatus) -> str | None:
        message = TAX_FREE_WARNINGS.get(status.state)
        if message is None:
            return None
        return str(message) % {
            "year": status.year,
            "total": f"{status.total_cents / 100:.2f}",
            "limit": f"{status.limit_cents / 100:.2f}",
        }


class StatementRowOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    day = serializers.DateField()
    kind = serializers.ChoiceField(choices=AllowanceKind.choices)
    amount_cents = serializers.IntegerField()
    booking = serializers.IntegerField(source="booking_id")
    starts_at = BerlinDateTimeField()
    language = serializers.CharField()
    institution = serializers.CharField()
    breakdown = serializers.JSONField()


class StatementMediatorOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    first_name = serializers.CharField(source="user.first_name")
    last_name = serializers.CharField(source="user.last_name")


class StatementOutputSerializer(serializers.Serializer):
    """One mediator's statement of one month."""

    mediator = StatementMediatorOutputSerializer()
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    rows = StatementRowOutputSerializer(many=True)
    total_cents = serializers.IntegerField()
    tax_free = TaxFreeOutputSerializer()


class StatementTotalOutputSerializer(serializers.Serializer):
    mediator = serializers.IntegerField(source="mediator_id")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    allowances = serializers.IntegerField()
    total_cents = serializers.IntegerField()


class StatementTotalsPageOutputSerializer(serializers.Serializer):
    """The pool's totals per mediator for one month, paginated."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StatementTotalOutputSerializer(many=True)


class StatementApi(APIView):
    """A mediator's own monthly statement: the allowances day by day, the total and where
    the year stands against the tax-free yearly amount (with a warning as it approaches).
    Coordinators get the pool's totals per mediator, or with ``?mediator=ID`` that
    mediator's statement. ``year`` and ``month`` default to the current month."""

    permission_classes = [IsCoordinator | IsMediator]
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer):
        year = _year_field()
        month = serializers.IntegerField(
            min_value=1, max_value=12, required=False, help_text="Default: this month."
        )
        mediator = serializers.IntegerField(
            min_value=1,
            max_value=2**63 - 1,
            required=False,
            help_text="Coordinators: one mediator of the pool (a mediator: only themselves).",
        )

    @extend_schema(
        parameters=[FilterSerializer],
        responses=PolymorphicProxySerializer(
            component_name="StatementOrPoolTotals",
            serializers=[StatementOutputSerializer, StatementTotalsPageOutputSerializer],
            resource_type_field_name=None,
        ),
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        today = _today()
        year = filters.validated_data.get("year", today.year)
        month = filters.validated_data.get("month", today.month)
        mediator_id = filters.validated_data.get("mediator")
        if actor_role_of(request.user) == ActorRole.COORDINATOR and mediator_id is None:
            totals = pool_statement_totals(
                pool=request.user.coordinator.pool, year=year, month=month
            )
            paginator = self.pagination_class()
            page = paginator.paginate_queryset(totals, request, view=self)
            data = StatementTotalOutputSerializer(page, many=True).data
            read_logged(
                user=request.user,
                what="api:statement-totals",
                mediator_ids=[row["mediator"] for row in data],
                count=paginator.page.paginator.count,
                query=request.GET.urlencode(),
            )
            return paginator.get_paginated_response(data)
        mediators = mediators_kept_by(request.user)
        mediator = (
            get_object_or_404(mediators, pk=mediator_id)
            if mediator_id is not None
            else request.user.mediator
        )
        statement = mediator_statement(mediator=mediator, year=year, month=month)
        if mediator.user_id != request.user.pk:  # one's own statement is no one else's data
            read_logged(
                user=request.user,
                what="api:statement",
                action=READ,
                user_ids=[mediator.user_id],
                count=len(statement.rows),
                query=request.GET.urlencode(),
            )
        return Response(StatementOutputSerializer(_rendered(statement, mediator)).data)


def _rendered(statement: Statement, mediator) -> dict:
    return {
        "mediator": mediator,
        "year": statement.year,
        "month": statement.month,
        "rows": statement.rows,
        "total_cents": statement.total_cents,
        "tax_free": statement.tax_free,
    }


# --- the monthly payout list --------------------------------------------------------------


class PayoutLineOutputSerializer(serializers.Serializer):
    mediator = serializers.IntegerField(source="mediator_id")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    iban = serializers.CharField(
        help_text="The mediator's IBAN as they or a coordinator of their pool gave it "
        "('' when none is given yet)."
    )
    total_cents = serializers.IntegerField()
    bookings = serializers.ListField(child=serializers.IntegerField(), source="booking_ids")


class PayoutOutputSerializer(serializers.Serializer):
    """The pool's payout list of one month, and whether the month is marked as paid."""

    year = serializers.IntegerField()
    month = serializers.IntegerField()
    total_cents = serializers.IntegerField()
    paid = serializers.BooleanField(help_text="The month is marked as paid (PayoutMonth).")
    paid_at = BerlinDateTimeField(allow_null=True)
    paid_by = serializers.CharField(allow_null=True, help_text="Who marked it as paid.")
    paid_total_cents = serializers.IntegerField(
        allow_null=True, help_text="The amount of the list that was paid."
    )
    changed_since_paid = serializers.BooleanField(
        help_text="Allowances were added or changed after the month was marked as paid."
    )
    lines = PayoutLineOutputSerializer(many=True)


class PayoutApi(APIView):
    """The pool's payout list for the district's accounting office: per mediator of the pool
    the month's allowances, their IBAN and the bookings they are for, and whether the month
    is marked as paid. Coordinators only (of their own pool); ``year`` and ``month`` default
    to the current month. Each read is logged (the lines name mediators and their IBANs)."""

    permission_classes = [IsCoordinator]

    class FilterSerializer(serializers.Serializer):
        year = _year_field()
        month = serializers.IntegerField(
            min_value=1, max_value=12, required=False, help_text="Default: this month."
        )

    @extend_schema(parameters=[FilterSerializer], responses=PayoutOutputSerializer)
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        today = _today()
        year = filters.validated_data.get("year", today.year)
        month = filters.validated_data.get("month", today.month)
        payout = payout_for(pool=request.user.coordinator.pool, year=year, month=month)
        paid = payout.paid
        data = PayoutOutputSerializer(
            {
                "year": payout.year,
                "month": payout.month,
                "total_cents": payout.total_cents,
                "paid": paid is not None,
                "paid_at": paid.paid_at if paid else None,
                "paid_by": (paid.paid_by.get_full_name() or paid.paid_by.get_username())
                if paid and paid.paid_by
                else None,
                "paid_total_cents": paid.total_cents if paid else None,
                "changed_since_paid": payout.changed_since_paid,
                "lines": payout.lines,
            }
        ).data
        read_logged(
            user=request.user,
            what="api:payout",
            mediator_ids=[line.mediator_id for line in payout.lines],
            count=len(payout.lines),
            query=request.GET.urlencode(),
        )
        return Response(data)
