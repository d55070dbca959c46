"""Deterministic demo-company generator: HR, payroll (and, via generator.finance, finance) landing files
with planted anomalies and an answer key. ``generate_company(GeneratorConfig(...))`` is the entry point."""

from generator.company import generate_company
from generator.config import DEFAULT_ANOMALIES, GeneratorConfig

__all__ = ["DEFAULT_ANOMALIES", "GeneratorConfig", "generate_company"]
