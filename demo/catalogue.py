"""The demo's institutions of Kreis Viersen: names, kinds, towns, postal codes and streets.

Names are made up in the style of the district's real institutions; addresses are plausible
streets, not real addresses of those institutions.
"""

from __future__ import annotations

from dataclasses import dataclass

from bookings.constants import Field
from core.constants import Topic
from institutions.constants import InstitutionKind as K


@dataclass(frozen=True)
class InstitutionData:
    name: str
    kind: str
    town: str
    postal_code: str
    street: str
    second_site: tuple[str, str, str] | None = None  # (name, street, postal code)
    budget_hours: int | None = None  # hours from the state programme (small: nearly used up)


INSTITUTIONS: tuple[InstitutionData, ...] = (
    # Viersen
    InstitutionData(
        "Gemeinschaftsgrundschule Rahser", K.SCHOOL, "Viersen", "41747", "Rahserstraße 52", None, 40
    ),
    InstitutionData(
        "Städtische Gesamtschule Viersen",
        K.SCHOOL,
        "Viersen",
        "41748",
        "Lindenstraße 30",
        ("Standort Dülken", "Mackenstein 14", "41751"),
        60,
    ),
    InstitutionData(
        "Grundschule Süchteln-Mitte", K.SCHOOL, "Viersen", "41749", "Tönisvorster Straße 8"
    ),
    InstitutionData(
        "Kita Regenbogen Dülken", K.KINDERGARTEN, "Viersen", "41751", "Lange Straße 101"
    ),
    InstitutionData(
        "Familienzentrum Sonnenblume", K.KINDERGARTEN, "Viersen", "41747", "Gereonstraße 17"
    ),
    InstitutionData("Kreisjugendamt Viersen", K.YOUTH_OFFICE, "Viersen", "41747", "Rathausmarkt 3"),
    InstitutionData(
        "Jugendamt der Stadt Viersen",
        K.YOUTH_OFFICE,
        "Viersen",
        "41747",
        "Bahnhofstraße 23",
        None,
        30,
    ),
    InstitutionData(
        "Sozialamt der Stadt Viersen", K.SOCIAL_OFFICE, "Viersen", "41747", "Bahnhofstraße 25"
    ),
    InstitutionData(
        "Jobcenter Kreis Viersen – Standort Viersen",
        K.JOB_CENTRE,
        "Viersen",
        "41747",
        "Hauptstraße 71",
    ),
    InstitutionData(
        "Gesundheitsamt Kreis Viersen", K.HEALTH_OFFICE, "Viersen", "41747", "Kreishausstraße 4"
    ),
    InstitutionData(
        "Migrationsberatung für Erwachsene Viersen",
        K.COUNSELLING,
        "Viersen",
        "41747",
        "Heierstraße 12",
    ),
    InstitutionData(
        "Gemeinschaftsunterkunft Dülken",
        K.SHARED_ACCOMMODATION,
        "Viersen",
        "41751",
        "Am Wasserturm 6",
    ),
    InstitutionData("Volkshochschule Kreis Viersen", K.OTHER, "Viersen", "41748", "Rathausring 2"),
    # Nettetal
    InstitutionData(
        "Grundschule Lobberich", K.SCHOOL, "Nettetal", "41334", "Sittarder Straße 19", None, 4
    ),
    InstitutionData("Gesamtschule Nettetal", K.SCHOOL, "Nettetal", "41334", "Josefstraße 40"),
    InstitutionData(
        "Kita Kunterbunt Kaldenkirchen", K.KINDERGARTEN, "Nettetal", "41334", "Kehrstraße 5"
    ),
    InstitutionData(
        "Jugendamt der Stadt Nettetal", K.YOUTH_OFFICE, "Nettetal", "41334", "Doerkesplatz 11"
    ),
    InstitutionData(
        "Sozialamt der Stadt Nettetal", K.SOCIAL_OFFICE, "Nettetal", "41334", "Doerkesplatz 13"
    ),
    InstitutionData(
        "Gemeinschaftsunterkunft Breyell",
        K.SHARED_ACCOMMODATION,
        "Nettetal",
        "41334",
        "Lambertimarkt 9",
    ),
    # Willich
    InstitutionData("Grundschule Anrath", K.SCHOOL, "Willich", "47877", "Jakob-Krebs-Straße 3"),
    InstitutionData("Gymnasium Schiefbahn", K.SCHOOL, "Willich", "47877", "Hochstraße 41"),
    InstitutionData(
        "Kita Pusteblume Schiefbahn", K.KINDERGARTEN, "Willich", "47877", "Linsellesstraße 8"
    ),
    InstitutionData(
        "Jugendamt der Stadt Willich", K.YOUTH_OFFICE, "Willich", "47877", "Rothweg 2", None, 2
    ),
    InstitutionData(
        "Jobcenter Kreis Viersen – Standort Willich",
        K.JOB_CENTRE,
        "Willich",
        "47877",
        "Bahnstraße 18",
    ),
    InstitutionData(
        "Beratungsstelle für Eltern, Kinder und Jugendliche Willich",
        K.COUNSELLING,
        "Willich",
        "47877",
        "Kreuzstraße 27",
    ),
    # Tönisvorst
    InstitutionData("Grundschule St. Tönis", K.SCHOOL, "Tönisvorst", "47918", "Corneliusstraße 14"),
    InstitutionData("Kita Arche Noah Vorst", K.KINDERGARTEN, "Tönisvorst", "47918", "Kuhstraße 4"),
    InstitutionData(
        "Unterkunft für Geflüchtete Tönisvorst",
        K.SHARED_ACCOMMODATION,
        "Tönisvorst",
        "47918",
        "Gelderner Straße 120",
    ),
    InstitutionData(
        "Sozialamt der Stadt Tönisvorst", K.SOCIAL_OFFICE, "Tönisvorst", "47918", "Bahnstraße 15"
    ),
    # Kempen
    InstitutionData(
        "Grundschule St. Hubert", K.SCHOOL, "Kempen", "47906", "Königsstraße 35", None, 25
    ),
    InstitutionData("Gesamtschule Kempen", K.SCHOOL, "Kempen", "47906", "Heinrich-Horten-Straße 2"),
    InstitutionData(
        "Jugendamt der Stadt Kempen", K.YOUTH_OFFICE, "Kempen", "47906", "Buttermarkt 1"
    ),
    InstitutionData(
        "Jobcenter Kreis Viersen – Standort Kempen",
        K.JOB_CENTRE,
        "Kempen",
        "47906",
        "Ellenstraße 12",
    ),
    InstitutionData(
        "Schwangerschaftsberatung Kempen", K.COUNSELLING, "Kempen", "47906", "Peterstraße 9"
    ),
    # Brüggen
    InstitutionData("Grundschule Bracht", K.SCHOOL, "Brüggen", "41379", "Marktstraße 20"),
    InstitutionData(
        "Kita Burgwichtel Brüggen", K.KINDERGARTEN, "Brüggen", "41379", "Klosterstraße 7"
    ),
    # Niederkrüchten
    InstitutionData("Grundschule Elmpt", K.SCHOOL, "Niederkrüchten", "41372", "Dorfstraße 44"),
    InstitutionData(
        "Unterkunft für Geflüchtete Elmpt",
        K.SHARED_ACCOMMODATION,
        "Niederkrüchten",
        "41372",
        "Heineweg 2",
    ),
    # Schwalmtal
    InstitutionData("Grundschule Waldniel", K.SCHOOL, "Schwalmtal", "41366", "Schulstraße 10"),
    InstitutionData(
        "Kita Sternschnuppe Amern", K.KINDERGARTEN, "Schwalmtal", "41366", "Dorfstraße 15"
    ),
    # Grefrath
    InstitutionData("Grundschule Oedt", K.SCHOOL, "Grefrath", "47929", "Johannes-Girmes-Straße 6"),
    InstitutionData(
        "Sekundarschule Grefrath", K.SCHOOL, "Grefrath", "47929", "Stadionstraße 99", None, 3
    ),
)

# What each kind of institution typically asks for: (field of action, topics, with children).
NEEDS: dict[str, tuple[tuple[str, tuple[str, ...], bool], ...]] = {
    K.SCHOOL: (
        (Field.SCHOOL, (Topic.PARENTS_TEACHER, Topic.SCHOOL_CAREER, Topic.DISABILITY), True),
    ),
    K.KINDERGARTEN: (
        (Field.EARLY_CHILDHOOD, (Topic.CHILD_DEVELOPMENT, Topic.PARENTS_TEACHER), True),
    ),
    K.YOUTH_OFFICE: (
        (Field.PARTICIPATION, (Topic.CHILD_PROTECTION, Topic.DOMESTIC_VIOLENCE), True),
        (Field.EARLY_CHILDHOOD, (Topic.CHILD_DEVELOPMENT,), True),
    ),
    K.SOCIAL_OFFICE: ((Field.MATERIAL, (Topic.HOUSING, Topic.DEBT, Topic.RESIDENCE), False),),
    K.JOB_CENTRE: ((Field.LABOUR, (Topic.EMPLOYMENT,), False),),
    K.HEALTH_OFFICE: (
        (Field.HEALTH, (Topic.HEALTH_PREVENTION, Topic.PREGNANCY, Topic.MENTAL_HEALTH), False),
    ),
    K.COUNSELLING: (
        (Field.HEALTH, (Topic.PREGNANCY, Topic.MENTAL_HEALTH, Topic.ADDICTION), False),
        (Field.PARTICIPATION, (Topic.DOMESTIC_VIOLENCE, Topic.BEREAVEMENT), False),
    ),
    K.SHARED_ACCOMMODATION: (
        (Field.PARTICIPATION, (Topic.HOUSING, Topic.OTHER), False),
        (Field.LANGUAGE_SUPPORT, (Topic.OTHER,), False),
    ),
    K.OTHER: ((Field.LANGUAGE_SUPPORT, (Topic.OTHER,), False),),
}

# Case reference prefixes (pseudonymous, never a client's name).
CASE_PREFIX: dict[str, str] = {
    K.SCHOOL: "SCH",
    K.KINDERGARTEN: "KITA",
    K.YOUTH_OFFICE: "JA",
    K.SOCIAL_OFFICE: "SOZ",
    K.JOB_CENTRE: "JC",
    K.HEALTH_OFFICE: "GA",
    K.COUNSELLING: "BER",
    K.SHARED_ACCOMMODATION: "GU",
    K.OTHER: "VHS",
}

FUNDING_SOURCES = ("Landesprogramm KOMM-AN NRW", "Kreishaushalt Integration")
