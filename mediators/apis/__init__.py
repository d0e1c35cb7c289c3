"""REST API v1 of the mediators app: ``languages``, ``profiles`` (coordinators' mediator
records and a mediator's own profile) and ``own`` (availability, absences, conflicts)."""

from .languages import LanguageListApi
from .own import (
    AbsenceDeleteApi,
    AbsenceListCreateApi,
    AvailabilityDateDeleteApi,
    AvailabilityDateListCreateApi,
    AvailabilityDeleteApi,
    AvailabilityListCreateApi,
    MediatorConflictListCreateApi,
    MediatorMeConflictListCreateApi,
)
from .profiles import (
    MediatorDetailApi,
    MediatorListCreateApi,
    MediatorMeApi,
    MediatorPauseApi,
    MediatorResumeApi,
)

__all__ = [
    "AbsenceDeleteApi",
    "AbsenceListCreateApi",
    "AvailabilityDateDeleteApi",
    "AvailabilityDateListCreateApi",
    "AvailabilityDeleteApi",
    "AvailabilityListCreateApi",
    "LanguageListApi",
    "MediatorConflictListCreateApi",
    "MediatorDetailApi",
    "MediatorListCreateApi",
    "MediatorMeApi",
    "MediatorMeConflictListCreateApi",
    "MediatorPauseApi",
    "MediatorResumeApi",
]
