"""Finance mapping tables and parameters: data files in ``config/`` loaded into DuckDB as ``core.map_*`` and
``core.finance_parameters``, so SQL reads which accounts are cash, payables or payroll, the approval limits and
the match windows from tables instead of literals. A bad file stops the load with a message naming the file,
the line, the column and what is allowed."""

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.db import insert_rows

CONFIG_DIR = Path(__file__).parent / "config"
PARAMETERS_TABLE = "core.finance_parameters"


class FinanceConfigError(ValueError):
    """A finance mapping or parameter file that cannot be used; the message names file, line and column."""


@dataclass(frozen=True)
class Mapping:
    file: str
    table: str
    columns: dict[str, str]  # column -> DuckDB type
    allowed: dict[str, tuple[str, ...]]  # column -> allowed values
    required: tuple[str, ...]
    description: str
    unique: tuple[tuple[str, ...], ...] = ()  # column sets that identify a row

    @property
    def path(self) -> Path:
        return CONFIG_DIR / self.file


MAPPINGS = (
    Mapping("account_roles.csv", "core.map_account_roles",
            {"account_code": "VARCHAR", "role": "VARCHAR", "note": "VARCHAR"},
            {"role": ("payables", "payroll_expense", "non_operating_expense")}, ("account_code", "role"),
            "Which ledger accounts are payables, payroll expense, or expense that is not operating expense.",
            (("account_code", "role"),)),
    Mapping("bank_accounts.csv", "core.map_bank_accounts",
            {"bank_account_id": "VARCHAR", "account_code": "VARCHAR", "bank_name": "VARCHAR"},
            {}, ("bank_account_id", "account_code"),
            "The ledger cash account of each company bank account (what the bank reconciliation matches).",
            (("bank_account_id",), ("account_code",))),
    Mapping("payroll_ledger_map.csv", "core.map_payroll_ledger",
            {"measure": "VARCHAR", "account_code": "VARCHAR", "amount_basis": "VARCHAR", "gl_source": "VARCHAR",
             "note": "VARCHAR"},
            {"measure": ("gross", "employer_contribution", "pph21", "bpjs_payable", "net_pay"),
             "amount_basis": ("debit", "credit", "net_debit", "net_credit")},
            ("measure", "account_code", "amount_basis"),
            "Ledger accounts (and side) that carry each payroll register total.",
            (("measure", "account_code", "gl_source"),)),
    Mapping("account_classes.csv", "core.map_account_classes",
            {"account_type": "VARCHAR", "normal_balance": "VARCHAR", "variance_favourable_when": "VARCHAR",
             "note": "VARCHAR"},
            {"account_type": ("asset", "liability", "equity", "revenue", "expense"),
             "normal_balance": ("debit", "credit"), "variance_favourable_when": ("below_budget", "above_budget")},
            ("account_type", "normal_balance", "variance_favourable_when"),
            "Sign conventions per account class: normal balance and when a budget variance is favourable.",
            (("account_type",),)),
    Mapping("approval_limits.csv", "core.map_approval_limits",
            {"approval_level": "VARCHAR", "amount_from_idr": "BIGINT", "amount_to_idr": "BIGINT",
             "approver_ids": "VARCHAR"},
            {}, ("approval_level", "amount_from_idr", "approver_ids"),
            "Supplier-invoice approval matrix: amount band [from, to) and the users who may approve it.",
            (("approval_level",), ("amount_from_idr",))),
    Mapping("period_locks.csv", "core.map_period_locks",
            {"period": "VARCHAR", "locked_on": "DATE", "locked_by": "VARCHAR"},
            {}, ("period", "locked_on"),
            "Ledger periods locked by finance (YYYY-MM) and the lock date; later entries are closed-period postings.",
            (("period",),)),
)  # fmt: skip


class FinanceParameters(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    brought_forward_source: str = "closing"
    brought_forward_references: list[str] = Field(default_factory=lambda: ["OPENING"])
    close_journal_source: str = "closing"
    reference_window_days: int = Field(45, ge=0)
    amount_date_window_days: int = Field(7, ge=0)
    batch_window_days: int = Field(5, ge=0)
    unreconciled_ageing_days: int = Field(30, ge=0)
    payroll_ledger_tolerance_idr: int = Field(0, ge=0)


def read_mapping(mapping: Mapping) -> list[dict[str, str | None]]:
    """Rows of a mapping file, validated: known columns, required values present, allowed values only."""
    with mapping.path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in mapping.columns if c not in header]
        unknown = [c for c in header if c not in mapping.columns]
        if missing or unknown:
            raise FinanceConfigError(
                f"{mapping.path}: columns must be {list(mapping.columns)} (missing {missing}, unknown {unknown})"
            )
        rows = []
        for line_no, raw in enumerate(reader, start=2):
            row = {c: (raw.get(c) or "").strip() or None for c in mapping.columns}
            for column in mapping.required:
                if row[column] is None:
                    raise FinanceConfigError(f"{mapping.path} line {line_no}: column {column} needs a value")
            for column, allowed in mapping.allowed.items():
                if row[column] is not None and row[column] not in allowed:
                    raise FinanceConfigError(
                        f"{mapping.path} line {line_no}: {column} {row[column]!r} is not one of {', '.join(allowed)}"
                    )
            rows.append(row)
    for columns in mapping.unique:
        seen: dict[tuple, int] = {}
        for line_no, row in enumerate(rows, start=2):
            key = tuple(row[c] for c in columns)
            if key in seen:
                raise FinanceConfigError(
                    f"{mapping.path} line {line_no}: {', '.join(columns)} {key} repeats line "
                    f"{seen[key]}; each may appear once"
                )
            seen[key] = line_no
    return rows


def read_parameters(path: Path = CONFIG_DIR / "parameters.yaml") -> FinanceParameters:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return FinanceParameters(**data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise FinanceConfigError(f"{path}: {problems}") from None


def write_mapping(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> None:
    rows = read_mapping(mapping)
    con.execute("create schema if not exists core")
    columns = ", ".join(f"{c} {t}" for c, t in mapping.columns.items())
    con.execute(f"create or replace table {mapping.table} ({columns})")
    if rows:
        names = list(mapping.columns)
        insert_rows(
            con,
            f"insert into {mapping.table} values ({', '.join('?' * len(names))})",
            [[r[c] for c in names] for r in rows],
        )


def write_parameters(con: duckdb.DuckDBPyConnection, parameters: FinanceParameters) -> None:
    con.execute("create schema if not exists core")
    values = parameters.model_dump()
    con.execute(
        f"create or replace table {PARAMETERS_TABLE} as select "
        + ", ".join(f"${i + 1} as {name}" for i, name in enumerate(values)),
        list(values.values()),
    )


def write_finance_config(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Load every mapping file and the parameters; returns the tables written."""
    for mapping in MAPPINGS:
        write_mapping(con, mapping)
    write_parameters(con, read_parameters())
    return [m.table for m in MAPPINGS] + [PARAMETERS_TABLE]
