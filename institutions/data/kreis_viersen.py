"""The nine towns of Kreis Viersen with their postal codes and coordinates.

Shipped as data so that distances can be computed without a geocoding service. A town's
coordinates are its centre (town hall); a postal code's are the centre of the part of town it
serves (e.g. 41751 is Dülken, 41749 Süchteln). Seeded by
``institutions/migrations/0002_seed_kreis_viersen.py`` (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass

DISTRICT = "Kreis Viersen"


@dataclass(frozen=True)
class PostalCodeData:
    code: str
    area: str  # the parts of town it serves, for people reading this file
    latitude: float
    longitude: float


@dataclass(frozen=True)
class TownData:
    name: str
    latitude: float
    longitude: float
    postal_codes: tuple[PostalCodeData, ...]


P = PostalCodeData

TOWNS: tuple[TownData, ...] = (
    TownData(
        "Viersen",
        51.2556,
        6.3917,
        (
            P("41747", "Alt-Viersen (Mitte, Rahser, Hamm)", 51.2575, 6.3930),
            P("41748", "Alt-Viersen (Süd, Ummer, Hoser, Bockert)", 51.2440, 6.4040),
            P("41749", "Süchteln", 51.2860, 6.3780),
            P("41751", "Dülken, Boisheim", 51.2530, 6.3370),
        ),
    ),
    TownData(
        "Nettetal",
        51.2790,
        6.2800,
        (
            P(
                "41334",
                "Lobberich, Kaldenkirchen, Breyell, Hinsbeck, Leuth, Schaag",
                51.2930,
                6.2590,
            ),
        ),
    ),
    TownData(
        "Willich",
        51.2630,
        6.5480,
        (P("47877", "Willich, Anrath, Neersen, Schiefbahn", 51.2580, 6.5090),),
    ),
    TownData(
        "Tönisvorst",
        51.3210,
        6.4930,
        (P("47918", "St. Tönis, Vorst", 51.3145, 6.4550),),
    ),
    TownData(
        "Kempen",
        51.3650,
        6.4190,
        (P("47906", "Kempen, St. Hubert, Tönisberg", 51.3700, 6.4300),),
    ),
    TownData(
        "Brüggen",
        51.2410,
        6.1830,
        (P("41379", "Brüggen, Bracht, Born", 51.2500, 6.1930),),
    ),
    TownData(
        "Niederkrüchten",
        51.1990,
        6.2190,
        (P("41372", "Niederkrüchten, Elmpt, Overhetfeld", 51.2040, 6.2080),),
    ),
    TownData(
        "Schwalmtal",
        51.2120,
        6.2700,
        (P("41366", "Waldniel, Amern", 51.2210, 6.2590),),
    ),
    TownData(
        "Grefrath",
        51.3360,
        6.3410,
        (P("47929", "Grefrath, Oedt, Vinkrath, Mülhausen", 51.3260, 6.3460),),
    ),
)


def seed_towns(town_model, postal_code_model) -> None:
    """Create or update every town and postal code above; never deletes anything.

    Takes the (historical) models so that data migrations can call it.
    """
    for entry in TOWNS:
        town, _ = town_model.objects.update_or_create(
            name=entry.name,
            district=DISTRICT,
            defaults={"latitude": entry.latitude, "longitude": entry.longitude},
        )
        for postal_code in entry.postal_codes:
            postal_code_model.objects.update_or_create(
                code=postal_code.code,
                defaults={
                    "town": town,
                    "latitude": postal_code.latitude,
                    "longitude": postal_code.longitude,
                },
            )
