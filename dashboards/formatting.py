"""Numbers as managers read them: rupiah and counts with thousands separators, rates with their unit.

``static/kinerja.js`` formats the same way in the browser (``Kinerja.format``); keep the two in step.
"""

from __future__ import annotations

import math
import re

from dashboards.i18n import SEPARATORS

# Decimals shown per registry unit; employees and counts drop them when the value is whole.
DECIMALS = {"idr": 0, "employees": 1, "count": 0, "pct": 2, "days": 1, "hours": 1, "ratio": 2, "fte": 1, "years": 1}
WHOLE_WHEN_INTEGRAL = {"employees", "count", "fte"}
SUFFIX = {"pct": "%", "days": " d", "hours": " h", "years": " y"}
CURRENCY_PREFIX = "Rp "


def number(value: float, decimals: int, language: str) -> str:
    sep = SEPARATORS[language]
    text = f"{abs(value):,.{decimals}f}"
    whole, _, fraction = text.partition(".")
    whole = whole.replace(",", sep["thousands"])
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    return sign + whole + (sep["decimal"] + fraction if fraction else "")


def decimals_for(value: float, unit: str) -> int:
    if unit in WHOLE_WHEN_INTEGRAL and float(value).is_integer():
        return 0
    return DECIMALS.get(unit, 2)


def kpi_value(value: float | None, unit: str, language: str) -> str:
    """A KPI value with its unit: ``Rp 18,700,000``, ``2.35%``, ``61`` or ``61.2``; a dash when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = number(value, decimals_for(value, unit), language)
    if unit == "idr":
        return ("-" + CURRENCY_PREFIX + text[1:]) if text.startswith("-") else CURRENCY_PREFIX + text
    return text + SUFFIX.get(unit, "")


def kpi_change(change: float | None, unit: str, language: str, points: str = "pts") -> str:
    """A signed change; a change of a percentage is in percentage points."""
    if change is None:
        return "–"
    sign = "+" if change > 0 else ""
    if unit == "pct":
        return f"{sign}{number(change, 2, language)} {points}"
    return sign + kpi_value(change, unit, language)


# Long digit runs (national id 16 digits, tax id 15-16, bank accounts) in free text taken from the warehouse
# (load errors, check messages) are masked before a page shows them; ISO dates are kept.
_LONG_NUMBER = re.compile(r"(?<![\d])(?!\d{4}-\d{2}-\d{2}(?!\d))\d(?:[.\- ]?\d){7,}(?![\d])")
MASK = "•••"


def redact(text: str | None) -> str:
    return "" if text is None else _LONG_NUMBER.sub(MASK, str(text))
