"""Journal integrity of the general ledger (blocking): every journal balances, every line's account is in the
chart of accounts, and nothing is entered into a closed period. The flags are computed in core.fct_gl_line;
these checks count them, list a capped sample of the journals to fix and record each outcome in
meta.check_results like every other check.

A source that declares itself a partial export of its ledger (canonical gl_entries.is_partial_ledger, set in its
contract, e.g. an expenditure-side extract) cannot balance its journals and may use accounts its chart lacks: when
every failing journal or line comes from such a source, the balance and account checks fail as warnings (recorded
and shown, not blocking); one failure from a whole ledger keeps them blocking errors."""

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
from dagster_duckdb import DuckDBResource

from checks.results import CheckOutcome, record_outcomes, to_check_result
from checks.spec import ERROR, WARN

GL_LINES = dg.AssetKey(["core", "fct_gl_line"])
TABLE = "core.fct_gl_line"
SAMPLE_SIZE = 10


def money(value) -> str:
    """An amount with thousands separators, and cents only where it has them."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


@dataclass(frozen=True)
class JournalCheck:
    name: str
    dimension: str
    description: str
    sql: str  # one row per failing journal or line; the first column is the key, the last is_partial_ledger
    noun: str
    fix: str
    ok: str

    sample: Callable[[tuple], str]  # one failing row, for a reviewer


JOURNALS_BALANCE = "consistency_journal_balance"
ACCOUNTS_EXIST = "validity_journal_account"
OPEN_PERIOD = "validity_journal_open_period"

JOURNAL_CHECKS = [
    JournalCheck(
        JOURNALS_BALANCE,
        "consistency",
        "Every journal balances: its debits equal its credits.",
        """select journal_id, any_value(journal_debit_idr), any_value(journal_credit_idr), bool_and(is_partial_ledger)
           from core.fct_gl_line where not is_journal_balanced group by journal_id order by journal_id""",
        "journal(s) whose debits differ from their credits",
        "correct or complete the journal in the ledger and export it again; nothing downstream is built from it.",
        "Every journal balances (debits = credits).",
        lambda r: f"{r[0]}: debit {money(r[1])} credit {money(r[2])} (difference {money(r[1] - r[2])})",
    ),
    JournalCheck(
        ACCOUNTS_EXIST,
        "integrity",
        "Every journal line's account exists in the chart of accounts.",
        """select journal_id, line_no, account_code, is_partial_ledger from core.fct_gl_line
           where not is_account_known order by journal_id, line_no""",
        "journal line(s) on an account that is not in the chart of accounts",
        "add the account to the chart of accounts export or repost the lines to a valid account.",
        "Every journal line's account is in the chart of accounts.",
        lambda r: f"{r[0]} line {r[1]}: account {r[2]}",
    ),
    JournalCheck(
        OPEN_PERIOD,
        "validity",
        "No journal line is entered into a period after it was closed (lock file or closing journal).",
        """select journal_id, line_no, strftime(period, '%Y-%m'), entry_date, period_closed_on, false
           from core.fct_gl_line where is_posted_in_closed_period order by journal_id, line_no""",
        "journal line(s) entered into a closed period",
        "reverse them and post them in an open period, or reopen the period deliberately "
        "(assets/finance/config/period_locks.csv).",
        "No journal line is entered into a closed period.",
        lambda r: f"{r[0]} line {r[1]}: period {r[2]} closed on {r[4]}, entered {r[3]}",
    ),
]


def evaluate(con, check: JournalCheck) -> CheckOutcome:
    rows = con.execute(check.sql).fetchall()
    n_rows = con.execute(f"select count(*) from {TABLE}").fetchall()[0][0]
    samples = [check.sample(r) for r in rows[:SAMPLE_SIZE]]
    only_partial = bool(rows) and all(r[-1] for r in rows)
    description = f"{len(rows)} {check.noun}: {check.fix}" if rows else check.ok
    if only_partial:
        description = (
            f"{len(rows)} {check.noun}, all from ledger exports declared partial (is_partial_ledger in their "
            "contracts): recorded as a warning, nothing is blocked; see the sample."
        )
    return CheckOutcome(
        table=TABLE,
        name=check.name,
        dimension=check.dimension,
        severity=WARN if only_partial else ERROR,
        passed=not rows,
        description=description,
        engine="sql",
        rows_checked=n_rows,
        unexpected_count=len(rows),
        threshold="none",
        sample_keys=tuple(samples),
        metadata={"n_failing": len(rows), "failing_sample": samples},
    )


@dg.multi_asset_check(
    specs=[dg.AssetCheckSpec(c.name, asset=GL_LINES, description=c.description, blocking=True) for c in JOURNAL_CHECKS],
    can_subset=False,
)
def journal_integrity(context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource):
    with duckdb.get_connection() as con:
        outcomes = [evaluate(con, c) for c in JOURNAL_CHECKS]
        record_outcomes(con, context.run.run_id, outcomes)
    for outcome in outcomes:
        yield to_check_result(outcome, GL_LINES)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(asset_checks=[journal_integrity])
