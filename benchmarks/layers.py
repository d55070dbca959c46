"""Where a night's time goes: each step of the nightly job (or each asset of the bare run) assigned to a layer,
and what is left of the wall time attributed to start-up (imports and definitions) and Dagster's overhead."""

from __future__ import annotations

import re

LAYERS = ("startup", "ingest", "core", "payroll", "findings", "kpis", "checks", "pages", "dagster")
# Checked in this order; the first pattern that matches a step key names its layer.
_RULES = (
    # ingest_<contract>: the source checks of a contract (checks/ingest.py), not its loading
    ("checks", r"^quality_|^journal_integrity|^ingest_"),
    ("pages", r"^reports__"),
    (
        "ingest",
        r"^(staging__|canonical__|raw__|reference|quarantine__|meta__|support_reference|"
        r"finance_config|control_config)",
    ),
    ("payroll", r"^core__(int_payroll__|fct_payslip|fct_pay_summary|dim_payroll_component)|^marts__payroll_"),
    (
        "findings",
        r"int_findings__|int_controls__|^marts__(control_|compliance_|\w*_findings|\w*_reconcil|"
        r"finance_bank_unmatched)",
    ),
    ("kpis", r"^marts__(kpi|scorecard)"),
    ("core", r"^(core|marts)__"),
)


def step_key(name: str) -> str:
    """One spelling for a job step key (``core__fct_gl_line``) and an asset key string (``core/fct_gl_line``)."""
    return name.replace("/", "__")


def layer_of(name: str) -> str:
    key = step_key(name)
    for layer, pattern in _RULES:
        if re.search(pattern, key):
            return layer
    return "core"


def breakdown(steps: dict[str, float], total_seconds: float, startup_seconds: float = 0.0) -> dict[str, float]:
    """Seconds per layer; ``dagster`` is the wall time no step accounts for (events, step boundaries, the run's
    set-up and tear-down), ``startup`` the imports and definitions before the run."""
    out = dict.fromkeys(LAYERS, 0.0)
    for name, seconds in steps.items():
        out[layer_of(name)] += seconds
    out["startup"] = startup_seconds
    out["dagster"] = max(0.0, total_seconds - startup_seconds - sum(steps.values()))
    return {layer: round(seconds, 2) for layer, seconds in out.items()}
