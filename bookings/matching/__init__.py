"""The matching engine: the hard rules, eligibility in the database (``eligibility``,
``selectors.candidates_for``) and the explainable ranking (``ranking``).

The hard constraints of PRODUCT.md ("Matching engine") are named once, in
``hard_rules.HardRule``. Three implementations decide them, and each declares the names it
implements in ``IMPLEMENTS`` (tests/bookings/matching/test_hard_rules.py holds all three to
the list):

- ``checks.hard_violations`` over plain snapshots, one check per rule in ``checks.CHECKS``:
  the reference the property tests compare the other two with;
- ``eligibility.eligible_mediators`` in SQL, completed by ``eligibility.eligible_rows``;
- ``bookings.planner.index.Index`` with numpy, for the batch planner. It leaves the pool
  and being active to the problem's loader (``index.LEFT_TO_THE_LOADER``), and a plan is
  applied through ``booking_assign``, which checks every rule again in the database.

Each rule of PRODUCT.md and its three implementations (checks | SQL | planner index):

- ``pool`` - a mediator of the pool, of a pool sharing its mediators, or of a pool the
  booking was widened to (``Booking.widened_to``): ``serves_pool`` | ``pools_serving`` |
  loaded by ``problem_for_pool`` (the planner plans with the pool and its sharing pools
  only, never a single booking's widening).
- ``language`` - speaks the language (and the dialect) at a usable level:
  ``speaks`` | ``Exists(MediatorLanguage)`` | a ``_Group`` per language, ``_Group.mask``.
- ``inactive`` - active (not paused by a coordinator):
  ``is_active`` | ``Q(active=True)`` | loaded by ``problem_for_pool``.
- ``self_unavailable`` - not marked unavailable by the mediator on the day:
  ``not_self_unavailable`` | ``self_unavailable``, ``self_unavailable_until`` |
  ``_special_ok``.
- ``not_vetted`` - training done, confidentiality pledge signed:
  ``is_vetted`` | ``training_completed_on``, ``pledge_signed_on`` | ``_Group.mask``.
- ``police_certificate`` - valid on the day for settings with children:
  ``certificate_valid`` | ``police_certificate_valid_until`` | ``_Group.mask``.
- ``topic_declined`` - topic not on the mediator's own exclusion list:
  ``topic_accepted`` | ``declined_topics__contains`` (SQLite: ``eligible_rows``) |
  ``_Group.mask``.
- ``availability`` - inside the weekly availability, in local time, adjacent slots joined
  and a slot ending at 24:00 (an end of 00:00): ``available`` (``rules.slots_cover``) |
  ``eligibility.slots_cover_window`` for ``rules.required_slot_window`` | ``_Group.mask``
  over ``rules.joined_spans``.
- ``absence`` - outside every absence:
  ``not_absent`` (``rules.absent_during``) | ``~Exists(Absence)`` | ``_special_ok``.
- ``overlap`` - no overlap with other bookings, counting the travel time between places:
  ``free`` (``rules.clashes_with_any``) | ``~Exists`` overlapping, then ``eligible_rows``
  with ``rules.clashes_with_any`` | ``feasibility.HeldIndex.clashes``.
- ``travel_range`` - within the travel range (on site):
  ``within_travel_range`` | ``sql_km`` pre-filter, then ``eligible_rows`` with
  ``rules.within_travel_range`` (a home by its postal code: ``_read_rows``) |
  ``_road_km_many``, ``feasibility.request_km``.
- ``hour_limit`` - within the weekly and monthly hour limits:
  ``within_hour_limits`` | ``_within_hour_limits`` | ``_Group.mask`` with
  ``feasibility.week_left``, ``month_left``.
- ``gender`` - the gender preference, where given:
  ``gender_matches`` | ``Q(gender=...)`` | ``_Group.mask``.
- ``blocked`` - not blocked for that institution:
  ``not_blocked`` | ``~Exists(InstitutionBlock)`` | ``_special_ok``.
- ``conflict_of_interest`` - neutral, no conflict declared for the case (the reference at
  the booking's institution, by ``core.text.case_reference_key``, stored as
  ``ConflictOfInterest.reference_key``):
  ``neutral`` | ``~Exists(ConflictOfInterest)`` | ``_special_ok``.

Within one plan, overlap and hour limits between the plan's own choices are kept by
``planner.feasibility.Usage`` and the CP-SAT model (``planner.cpsat``); every finished plan
is checked again with ``checks.hard_violations`` (``planner.feasibility.violations``).
"""
