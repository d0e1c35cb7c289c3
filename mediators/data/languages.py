"""The languages most asked for in German refugee and migration work, with their dialects.

Codes are ISO 639-3. Where practice treats a macrolanguage as one language with regional
varieties (Arabic, Albanian, Oromo, Azerbaijani, Romani, Swahili, Uzbek, Fula), the
macrolanguage code is used and the varieties are dialects (with their own ISO 639-3 code in
``iso`` where one exists). Where practice keeps the varieties apart (Dari and Farsi, Kurmanji
and Sorani, Serbian, Croatian and Bosnian), each has its own entry.

The order is roughly by demand in the pools of North Rhine-Westphalia. Seeded by
``mediators/migrations/0002_seed_languages.py``; a later migration that adds languages calls
``seed_languages`` again (it is idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_noop


@dataclass(frozen=True)
class DialectData:
    code: str  # slug, unique within the language
    name_de: str
    name_en: str
    iso: str = ""  # ISO 639-3 code of the variety, where it has one


@dataclass(frozen=True)
class LanguageData:
    code: str  # ISO 639-3
    name_de: str
    name_en: str
    dialects: tuple[DialectData, ...] = ()


D = DialectData
L = LanguageData

LANGUAGES: tuple[LanguageData, ...] = (
    L(
        "ara",
        "Arabisch",
        "Arabic",
        (
            D(
                "levantine",
                "Levantinisch (Syrisch, Libanesisch, Palästinensisch)",
                gettext_noop("Levantine (Syrian, Lebanese, Palestinian)"),
                "apc",
            ),
            D("iraqi", "Irakisch", gettext_noop("Iraqi (Mesopotamian)"), "acm"),
            D("egyptian", "Ägyptisch", gettext_noop("Egyptian"), "arz"),
            D(
                "maghrebi",
                "Maghrebinisch (Marokkanisch, Algerisch, Tunesisch)",
                gettext_noop("Maghrebi (Moroccan, Algerian, Tunisian)"),
                "ary",
            ),
            D("gulf", "Golf-Arabisch", gettext_noop("Gulf Arabic"), "afb"),
            D("sudanese", "Sudanesisch", gettext_noop("Sudanese"), "apd"),
            D("standard", "Hocharabisch", gettext_noop("Modern Standard Arabic"), "arb"),
        ),
    ),
    L("ukr", "Ukrainisch", "Ukrainian"),
    L("prs", "Dari", "Dari", (D("hazaragi", "Hazaragi", gettext_noop("Hazaragi"), "haz"),)),
    L("pes", "Farsi (Persisch)", "Farsi (Iranian Persian)"),
    L("tur", "Türkisch", "Turkish"),
    L("kmr", "Kurmandschi (Nordkurdisch)", "Kurmanji (Northern Kurdish)"),
    L("ckb", "Sorani (Zentralkurdisch)", "Sorani (Central Kurdish)"),
    L("rus", "Russisch", "Russian"),
    L("tir", "Tigrinya", "Tigrinya"),
    L("pbu", "Paschtu", "Pashto"),
    L("som", "Somali", "Somali"),
    L(
        "sqi",
        "Albanisch",
        "Albanian",
        (
            D(
                "gheg",
                "Gegisch (Nordalbanien, Kosovo)",
                gettext_noop("Gheg (northern Albania, Kosovo)"),
                "aln",
            ),
            D("tosk", "Toskisch (Südalbanien)", gettext_noop("Tosk (southern Albania)"), "als"),
        ),
    ),
    L("ron", "Rumänisch", "Romanian"),
    L("bul", "Bulgarisch", "Bulgarian"),
    L("pol", "Polnisch", "Polish"),
    L("srp", "Serbisch", "Serbian"),
    L("hrv", "Kroatisch", "Croatian"),
    L("bos", "Bosnisch", "Bosnian"),
    L("mkd", "Mazedonisch", "Macedonian"),
    L(
        "rom",
        "Romanes",
        "Romani",
        (
            D("vlax", "Vlach-Romanes", gettext_noop("Vlax Romani"), "rmy"),
            D("balkan", "Balkan-Romanes (Arli)", gettext_noop("Balkan Romani (Arli)"), "rmn"),
            D("sinti", "Sinti-Romanes", gettext_noop("Sinte Romani"), "rmo"),
        ),
    ),
    L("amh", "Amharisch", "Amharic"),
    L(
        "orm",
        "Oromo",
        "Oromo",
        (
            D("west_central", "West-Zentral-Oromo", gettext_noop("West Central Oromo"), "gaz"),
            D("eastern", "Ost-Oromo (Harar)", gettext_noop("Eastern Oromo (Harar)"), "hae"),
            D("borana", "Borana", gettext_noop("Borana"), "gax"),
        ),
    ),
    L("tig", "Tigre", "Tigre"),
    L("fra", "Französisch", "French"),
    L("eng", "Englisch", "English"),
    L("spa", "Spanisch", "Spanish"),
    L(
        "por",
        "Portugiesisch",
        "Portuguese",
        (
            D("brazilian", "Brasilianisches Portugiesisch", gettext_noop("Brazilian Portuguese")),
            D("european", "Europäisches Portugiesisch", gettext_noop("European Portuguese")),
        ),
    ),
    L("ita", "Italienisch", "Italian"),
    L("ell", "Griechisch", "Greek"),
    L("hun", "Ungarisch", "Hungarian"),
    L("vie", "Vietnamesisch", "Vietnamese"),
    L("urd", "Urdu", "Urdu"),
    L("pan", "Panjabi", "Punjabi"),
    L("hin", "Hindi", "Hindi"),
    L("tam", "Tamil", "Tamil"),
    L("ben", "Bengalisch", "Bengali"),
    L("sin", "Singhalesisch", "Sinhala"),
    L("cmn", "Chinesisch (Mandarin)", "Mandarin Chinese"),
    L("kat", "Georgisch", "Georgian"),
    L("hye", "Armenisch", "Armenian"),
    L(
        "aze",
        "Aserbaidschanisch",
        "Azerbaijani",
        (
            D(
                "north",
                "Nord-Aserbaidschanisch (Aserbaidschan)",
                gettext_noop("North Azerbaijani"),
                "azj",
            ),
            D(
                "south",
                "Süd-Aserbaidschanisch (Iran)",
                gettext_noop("South Azerbaijani (Iran)"),
                "azb",
            ),
        ),
    ),
    L("che", "Tschetschenisch", "Chechen"),
    L("bel", "Belarussisch", "Belarusian"),
    L(
        "uzb",
        "Usbekisch",
        "Uzbek",
        (
            D(
                "northern",
                "Nord-Usbekisch (Usbekistan)",
                gettext_noop("Northern Uzbek (Uzbekistan)"),
                "uzn",
            ),
            D(
                "southern",
                "Süd-Usbekisch (Afghanistan)",
                gettext_noop("Southern Uzbek (Afghanistan)"),
                "uzs",
            ),
        ),
    ),
    L("tgk", "Tadschikisch", "Tajik"),
    L("sdh", "Südkurdisch (Feyli)", "Southern Kurdish (Feyli)"),
    L("zza", "Zazaki", "Zazaki"),
    L("aii", "Aramäisch (Assyrisch)", "Assyrian Neo-Aramaic"),
    L(
        "swa",
        "Swahili",
        "Swahili",
        (
            D(
                "east_african",
                "Ostafrikanisches Swahili",
                gettext_noop("East African Swahili"),
                "swh",
            ),
            D("congo", "Kongo-Swahili", gettext_noop("Congo Swahili"), "swc"),
        ),
    ),
    L("hau", "Hausa", "Hausa"),
    L("yor", "Yoruba", "Yoruba"),
    L("ibo", "Igbo", "Igbo"),
    L("pcm", "Nigerianisches Pidgin", "Nigerian Pidgin"),
    L("lin", "Lingala", "Lingala"),
    L("kin", "Kinyarwanda", "Kinyarwanda"),
    L(
        "ful",
        "Fulfulde (Ful)",
        "Fula",
        (D("pular", "Pular (Guinea)", gettext_noop("Pular (Guinea)"), "fuf"),),
    ),
    L("wol", "Wolof", "Wolof"),
    L("mnk", "Mandinka", "Mandinka"),
    L("bam", "Bambara", "Bambara"),
    L("twi", "Twi", "Twi"),
    L("tgl", "Tagalog", "Tagalog"),
    L("tha", "Thailändisch", "Thai"),
    L("nep", "Nepali", "Nepali"),
)


def seed_languages(language_model, dialect_model) -> None:
    """Create or update every language and dialect above; never deletes anything.

    Takes the (historical) models so that data migrations can call it.
    """
    for entry in LANGUAGES:
        language, _ = language_model.objects.update_or_create(
            code=entry.code, defaults={"name_de": entry.name_de, "name_en": entry.name_en}
        )
        for dialect in entry.dialects:
            dialect_model.objects.update_or_create(
                language=language,
                code=dialect.code,
                defaults={"name_de": dialect.name_de, "name_en": dialect.name_en},
            )
