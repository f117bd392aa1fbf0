"""Reference code lists the contract validates against: ISO 3166-1 countries, ISO 4217
currencies, ISO 639-1 languages and IANA time zones.

They come from maintained packages (the IANA tz database shipped by ``tzdata``, CLDR through
``babel``) rather than hand-kept tables, so they follow the standards' updates.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from importlib import resources

# Where a country spans several zones, the contract says "its capital's zone"; zone.tab lists a
# country's zones in no capital-first order, so these are named explicitly.
CAPITAL_ZONES = {
    "AR": "America/Argentina/Buenos_Aires",
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "CD": "Africa/Kinshasa",
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "MN": "Asia/Ulaanbaatar",
    "MX": "America/Mexico_City",
    "MY": "Asia/Kuala_Lumpur",
    "NZ": "Pacific/Auckland",
    "PT": "Europe/Lisbon",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "US": "America/New_York",
    "DE": "Europe/Berlin",
    "GL": "America/Nuuk",
    "FM": "Pacific/Pohnpei",
    "KI": "Pacific/Tarawa",
    "PF": "Pacific/Tahiti",
    "UZ": "Asia/Tashkent",
    "PS": "Asia/Gaza",
    "CY": "Asia/Nicosia",
}


def _tzdata_table(name: str) -> list[list[str]]:
    text = resources.files("tzdata").joinpath("zoneinfo", name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def countries() -> frozenset[str]:
    return frozenset(row[0] for row in _tzdata_table("iso3166.tab"))


@cache
def country_zones() -> dict[str, str]:
    """Default zone per country: the capital's where named above, else the first listed."""
    zones: dict[str, str] = {}
    for row in _tzdata_table("zone.tab"):
        zones.setdefault(row[0], row[2])
    return zones | CAPITAL_ZONES


@cache
def currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha())


@cache
def languages() -> frozenset[str]:
    from babel import Locale

    return frozenset(code for code in Locale("en").languages if len(code) == 2)


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())
