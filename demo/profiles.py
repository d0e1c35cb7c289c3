"""The demo pool's mix of mediators and of requests, by demand in Kreis Viersen.

Each profile says how many mediators of one background the pool has, the language they
mediate (with the dialects they may speak), the other languages some of them also speak, and
their preferred message language.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    count: int
    origin: str  # a key of names.BY_ORIGIN
    language: str  # ISO 639-3
    dialects: tuple[str, ...] = ()
    also: tuple[tuple[str, float], ...] = ()  # (language, share of this group who speak it)
    message_language: str = "de"


PROFILES: tuple[Profile, ...] = (
    Profile(9, "syrian", "ara", ("levantine",), (("eng", 0.4), ("kmr", 0.1)), "ar"),
    Profile(4, "iraqi", "ara", ("iraqi",), (("kmr", 0.3), ("eng", 0.3)), "ar"),
    Profile(2, "maghrebi", "ara", ("maghrebi",), (("fra", 0.9),)),
    Profile(1, "egyptian", "ara", ("egyptian",), (("eng", 1.0),)),
    Profile(1, "sudanese", "ara", ("sudanese",), (("eng", 0.5),)),
    Profile(10, "ukrainian", "ukr", (), (("rus", 0.9), ("eng", 0.3)), "uk"),
    Profile(2, "russian", "rus", (), (("ukr", 0.5),)),
    Profile(7, "afghan", "prs", (), (("pes", 0.6), ("pbu", 0.2)), "fa"),
    Profile(3, "afghan", "pbu", (), (("prs", 1.0),)),
    Profile(5, "iranian", "pes", (), (("prs", 0.4), ("eng", 0.4)), "fa"),
    Profile(7, "turkish", "tur", (), (("kmr", 0.2), ("eng", 0.2)), "tr"),
    Profile(5, "kurdish", "kmr", (), (("ara", 0.4), ("tur", 0.4))),
    Profile(2, "kurdish", "ckb", (), (("ara", 0.5), ("pes", 0.3))),
    Profile(4, "eritrean", "tir", (), (("amh", 0.3), ("ara", 0.2)), "en"),
    Profile(1, "ethiopian", "amh", (), (("orm", 0.5), ("tir", 0.5))),
    Profile(2, "somali", "som", (), (("ara", 0.3), ("eng", 0.5))),
    Profile(2, "albanian", "sqi", ("gheg", "tosk"), (("srp", 0.3),)),
    Profile(2, "romanian", "ron", (), (("ita", 0.3),)),
    Profile(1, "bulgarian", "bul", (), (("tur", 0.5),)),
    Profile(1, "polish", "pol", ()),
    Profile(2, "bks", "bos", (), (("srp", 1.0), ("hrv", 1.0))),
    Profile(2, "west_african", "fra", (), (("wol", 0.3), ("eng", 0.5))),
    Profile(1, "caucasus", "kat", (), (("rus", 1.0),)),
    Profile(1, "caucasus", "hye", (), (("rus", 1.0),)),
    Profile(1, "caucasus", "che", (), (("rus", 1.0),)),
    Profile(1, "asian", "vie", ()),
    Profile(1, "asian", "urd", (), (("pan", 0.5), ("eng", 1.0))),
)

# How often each language is asked for (relative weight), with the dialect asked for, if any.
# Tigrinya, Pashto and Somali are asked for more often than the pool can serve: the demo's
# unmet demand. Lingala and Sorani requests are rarely served.
DEMAND: tuple[tuple[str, str, int], ...] = (
    ("ara", "", 14),
    ("ara", "levantine", 8),
    ("ara", "iraqi", 3),
    ("ukr", "", 16),
    ("prs", "", 8),
    ("pes", "", 5),
    ("tur", "", 6),
    ("kmr", "", 6),
    ("rus", "", 4),
    ("tir", "", 6),
    ("pbu", "", 3),
    ("som", "", 3),
    ("ckb", "", 2),
    ("sqi", "", 2),
    ("ron", "", 2),
    ("bul", "", 2),
    ("bos", "", 1),
    ("pol", "", 1),
    ("fra", "", 2),
    ("amh", "", 1),
    ("kat", "", 1),
    ("che", "", 1),
    ("lin", "", 1),
)
