"""Conflicts of interest name the institution of their case (mediators 0003): derive it for
the existing records from the bookings with that reference."""

import unicodedata

from django.db import migrations


def _key(value):
    # core.text.case_reference_key as of this migration.
    text = unicodedata.normalize("NFKC", value or "")
    text = unicodedata.normalize("NFKC", text.casefold())
    return " ".join(text.split())


def derive_institutions(apps, schema_editor):
    """A record's institution is the one institution whose bookings with that reference the
    mediator was offered or held; failing that, the one institution of the mediator's pool
    with bookings of that reference. Where neither is one institution the record keeps no
    institution and goes on matching the reference at every institution (as before)."""
    Conflict = apps.get_model("mediators", "ConflictOfInterest")
    Booking = apps.get_model("bookings", "Booking")
    Offer = apps.get_model("bookings", "Offer")
    pending = list(Conflict.objects.filter(institution__isnull=True).select_related("mediator"))
    if not pending:
        return
    by_key = {}
    for booking_id, institution_id, pool_id, mediator_id, reference in Booking.objects.exclude(
        case_reference=""
    ).values_list("pk", "institution_id", "pool_id", "mediator_id", "case_reference"):
        by_key.setdefault(_key(reference), []).append(
            (booking_id, institution_id, pool_id, mediator_id)
        )
    offered = {}
    for mediator_id, booking_id in Offer.objects.values_list("mediator_id", "booking_id"):
        offered.setdefault(mediator_id, set()).add(booking_id)
    for conflict in pending:
        rows = by_key.get(conflict.reference_key or _key(conflict.case_reference), [])
        mine = offered.get(conflict.mediator_id, set())
        involved = {
            institution_id
            for booking_id, institution_id, _pool, mediator_id in rows
            if mediator_id == conflict.mediator_id or booking_id in mine
        }
        in_pool = {
            institution_id
            for _b, institution_id, pool_id, _m in rows
            if pool_id == conflict.mediator.pool_id
        }
        for candidates in (involved, in_pool):
            if len(candidates) == 1:
                conflict.institution_id = candidates.pop()
                conflict.save(update_fields=["institution"])
                break


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0009_privacy_access_log_lists_and_anonymised_at"),
        ("mediators", "0004_pause_unavailable_midnight_slots_conflict_institution"),
    ]

    operations = [migrations.RunPython(derive_institutions, migrations.RunPython.noop)]
