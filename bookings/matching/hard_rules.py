"""The hard constraints of matching, named once (PRODUCT.md, "Matching engine").

A candidate who breaks one is never offered. Each name is what ``checks.hard_violations``
reports when the rule is broken. The three implementations (``checks``, ``eligibility``,
``bookings.planner.index``) declare which of these they implement; the package docstring
maps each rule to them, and tests/bookings/matching/test_hard_rules.py holds them to this
list.
"""

from __future__ import annotations

from enum import StrEnum


class HardRule(StrEnum):
    # The mediator serves the booking's pool: their own, or one their pool shares
    # mediators with ("Privacy and trust": nobody sees another pool's data otherwise).
    POOL = "pool"
    # Speaks the language (and the dialect, where one is asked for) at a usable level.
    LANGUAGE = "language"
    # Active: not paused by a coordinator.
    INACTIVE = "inactive"
    # Not marked unavailable by the mediator themselves (until a day, or until cleared).
    SELF_UNAVAILABLE = "self_unavailable"
    # Vetted: training done, confidentiality pledge signed.
    NOT_VETTED = "not_vetted"
    # Police certificate valid on the (local) day, for settings with children.
    POLICE_CERTIFICATE = "police_certificate"
    # The topic is not on the mediator's own exclusion list.
    TOPIC_DECLINED = "topic_declined"
    # Inside the weekly availability, in local time (Europe/Berlin, across DST changes).
    AVAILABILITY = "availability"
    # Outside every absence (whole local days).
    ABSENCE = "absence"
    # No overlap with the mediator's other bookings, counting the travel time between places.
    OVERLAP = "overlap"
    # Within the mediator's travel range (on site).
    TRAVEL_RANGE = "travel_range"
    # Within the weekly and monthly hour limits (local ISO week and month of the start).
    HOUR_LIMIT = "hour_limit"
    # The gender preference, where one is given.
    GENDER = "gender"
    # Not blocked for the institution.
    BLOCKED = "blocked"
    # Neutral: no conflict of interest declared or recorded for the case (the reference at
    # the booking's institution, compared in its normalised form).
    CONFLICT_OF_INTEREST = "conflict_of_interest"


HARD_RULES: tuple[HardRule, ...] = tuple(HardRule)

# The rules a mediator's own consent may set aside for one appointment, when a coordinator
# asks them anyway (``services.consent.offer_with_consent``): the rules that protect the
# mediator's own time and way (travel range, weekly availability, hour limits). Every other
# rule protects the people served or the pool (vetting, the police certificate for settings
# with children, conflicts of interest, overlaps, ...) and is never waived.
CONSENT_WAIVABLE: frozenset[HardRule] = frozenset(
    {HardRule.TRAVEL_RANGE, HardRule.AVAILABILITY, HardRule.HOUR_LIMIT}
)
