"""Numbers as managers read them: money in the reporting currency and counts with thousands separators, rates
with their unit.

Money (registry unit ``money``; ``idr`` in warehouses built before the unit was renamed) is in the company's
reporting currency (settings key ``currency``, an ISO 4217 code) and written with its symbol in front: IDR
``Rp 18,700,000`` (``Rp 18.700.000`` in Indonesian), USD ``$18,700,000``, GBP ``£18,700,000``, EUR
``€18,700,000``, any other code as the code and a space (``CHF 18,700,000``).

Money is shown in whole units of the currency, in every currency (no cents, not even for USD or EUR): the money
KPIs are monthly totals and averages per head in the thousands or millions, where cents add digits and no
information, and one rule keeps cards, tables, charts and CSV exports alike (the page data is rounded the same
way, ``kpi_pages._round``).

``static/kinerja.js`` formats the same way in the browser (``Kinerja.format``); keep the two in step.
"""

from __future__ import annotations

import math

from dashboards.i18n import SCALE_SUFFIXES, SEPARATORS, UNIT_SUFFIXES

MONEY_UNITS = ("money", "idr")  # idr: the unit's name in warehouses built before money was in any currency
# Decimals shown per registry unit; employees and counts drop them when the value is whole.
DECIMALS = {"money": 0, "idr": 0, "employees": 1, "count": 0, "pct": 2, "days": 1, "hours": 1, "ratio": 2,
            "fte": 1, "years": 1}  # fmt: skip
# One rule per unit, for cards, tables, charts and exports alike: a unit's decimals, except that headcounts and
# counts whose value is whole at that precision are written without them (61, 61.2; never 61.0 beside 61). FTE
# always has its decimal (34.0 beside 34.5).
WHOLE_WHEN_INTEGRAL = {"employees", "count"}
# Cards write money from this size on in short form (Rp 993M, Rp 1.77B; Indonesian Rp 993 jt, Rp 1,77 M), with
# three significant digits; the full amount is in the card's tooltip, the tables and the exports.
COMPACT_FROM = 1_000_000
SUFFIX = UNIT_SUFFIXES["en"]  # per language in i18n.UNIT_SUFFIXES (Indonesian: hari, jam, tahun)
# Symbols written before an amount; any other currency is written as its ISO code and a space.
CURRENCY_SYMBOLS = {"IDR": "Rp ", "USD": "$", "GBP": "£", "EUR": "€"}
DEFAULT_CURRENCY = "IDR"


def is_money(unit: str | None) -> bool:
    return unit in MONEY_UNITS


def reporting_currency() -> str:
    """The reporting currency of the settings (``currency``), upper case."""
    from pipelines.settings import get_settings

    return (get_settings().currency or DEFAULT_CURRENCY).upper()


def currency_prefix(currency: str | None = None) -> str:
    """What goes before an amount: ``Rp ``, ``$``, ``£``, ``€``, or ``CHF `` for a code without a symbol here."""
    code = (currency or reporting_currency()).strip().upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


def number(value: float, decimals: int, language: str) -> str:
    sep = SEPARATORS[language]
    text = f"{abs(value):,.{decimals}f}"
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", sep["thousands"])
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    return sign + whole + (sep["decimal"] + fraction if fraction else "")


def decimals_for(value: float, unit: str) -> int:
    decimals = DECIMALS.get(unit, 2)
    if unit in WHOLE_WHEN_INTEGRAL and float(round(value, decimals)).is_integer():
        return 0
    return decimals


def money(value: float | None, language: str, currency: str | None = None) -> str:
    """An amount in the reporting currency (``currency``; the settings' when not given), in whole units."""
    return kpi_value(value, "money", language, currency)


def kpi_value(value: float | None, unit: str, language: str, currency: str | None = None) -> str:
    """A KPI value with its unit: ``Rp 18,700,000``, ``$18,700,000``, ``2.35%``, ``61`` or ``61.2``; a dash when
    missing. Money is in ``currency`` (an ISO code; the settings' reporting currency when not given)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = number(value, decimals_for(value, unit), language)
    if is_money(unit):
        prefix = currency_prefix(currency)
        return ("-" + prefix + text[1:]) if text.startswith("-") else prefix + text
    return text + UNIT_SUFFIXES[language].get(unit, "")


def is_unchanged(change: float | None, unit: str) -> bool:
    """Whether a change is zero as the page writes it (at the unit's decimals): no arrow, no colour, no sign."""
    return change is not None and round(abs(change), DECIMALS.get(unit, 2)) == 0


def kpi_change(change: float | None, unit: str, language: str, points: str = "pts", currency: str | None = None) -> str:
    """A signed change; a change of a percentage is in percentage points; a change that is zero at the unit's
    decimals has no sign (``0.0 d``, never ``+0.0 d``)."""
    if change is None:
        return "–"
    if is_unchanged(change, unit):
        change = 0.0
    sign = "+" if change > 0 else ""
    if unit == "pct":
        return f"{sign}{number(change, DECIMALS['pct'], language)} {points}"
    return sign + kpi_value(change, unit, language, currency)


def compact_money(value: float | None, language: str, currency: str | None = None) -> str:
    """Money as a card writes it: from ``COMPACT_FROM`` on, three significant digits and the language's scale
    word (``Rp 993M``, ``Rp 1.77B``; Indonesian ``Rp 993 jt``, ``Rp 1,77 M``); smaller amounts in full."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or abs(value) < COMPACT_FROM:
        return kpi_value(value, "money", language, currency)
    scale = 0
    size = abs(value)
    suffixes = SCALE_SUFFIXES[language]
    while size >= 999.5 and scale < len(suffixes) - 1:
        size /= 1000
        scale += 1
    decimals = 0 if size >= 99.95 else 1 if size >= 9.995 else 2
    text = number(size, decimals, language) + suffixes[scale]
    prefix = currency_prefix(currency)
    return ("-" if value < 0 else "") + prefix + text
