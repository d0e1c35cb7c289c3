"""Read-only queries about messages."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .constants import MessageStatus
from .models import Message, PushSubscription

if TYPE_CHECKING:
    from institutions.models import Pool


def failed_messages_for(pool: Pool | int) -> QuerySet[Message]:
    """Messages of the pool (or the pool's id) that could not be delivered: the
    coordinators' work list."""
    return (
        Message.objects.filter(pool=pool, status=MessageStatus.FAILED)
        .select_related("booking")
        .order_by("-updated_at", "-pk")
    )


def messages_visible_to_coordinator(pool: Pool) -> QuerySet[Message]:
    return Message.objects.filter(pool=pool)


def push_devices_of(user_id: int) -> QuerySet[PushSubscription]:
    """The devices on which this person turned push notifications on, oldest first."""
    return PushSubscription.objects.filter(user_id=user_id).order_by("created_at", "pk")
