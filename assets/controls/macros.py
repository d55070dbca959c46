"""DuckDB macros shared by the control SQL: an expression several findings models repeat, defined once.

``create_macros`` makes them temporary macros of the connection before each control model runs
(``runner.run_control_model``), as ``assets/sqlmodels.py`` does for ``money_text``; a model calls them like any
function (``digits_only(bank_account)``). Each one's definition and what it means are in ``MACROS`` below.

They are scalar macros (an expression; ``benford_result`` an aggregate) that read nothing but their
arguments: every column a macro looks at is passed to it, and no macro reads a table. So what is read from a model's
own SQL stays true (both are read from DuckDB's parse tree of that SQL, ``pipelines/sqllineage.py``, which does not
look inside a macro):

- its upstream assets, the tables it reads (``assets/sqlmodels.py``): a macro adds none and hides none;
- its columns and their lineage in the catalog (``assets/catalog.py``): a column computed by a macro still depends
  on the columns passed to it.

For the same reason the findings projection is not a table macro. Every table needs its columns traced from its
final select, and the columns of ``select * from a_table_macro(...)`` cannot be named from the parse tree. So each
family names the ten findings columns (``runner.FINDINGS_COLUMNS``) in its own SQL. Where its rules flag rows of
one table (a payslip, an invoice, an employee, a vendor), each rule selects the row's key with its description and
evidence, and ``final`` adds once what every finding takes from that row (joining the table back by its key). Where
rules are one test over several things (overtime over the limit of a day and of a week; a bank account or a tax
id that paid employees share), one query judges them all, over a ``values`` list or an ``unpivot``. Where the rules
judge different things (an employment spell and a contract record), each rule selects the findings columns itself
and ``final`` is their union. The findings marts take the union's columns with ``select * exclude (kind)``.
"""

from __future__ import annotations

import hashlib
import re

import duckdb

from assets.sqlmodels import MACROS as SHARED_MACROS

MACROS = """
-- A bank account or tax id as the rules compare it: its digits only ('820-390 5508' = '8203905508'); null when it
-- has no digit.
create or replace temp macro digits_only(raw_value) as
    nullif(regexp_replace(coalesce(raw_value, ''), '[^0-9]', '', 'g'), '');

-- A validity range (an employment record, a leave request; both ends included) covering at least one day of the
-- month that starts on month_start (a payroll period): the month a payslip pays for.
create or replace temp macro overlaps_month(range_start, range_end, month_start) as
    range_start <= last_day(month_start) and range_end >= month_start;

-- An aggregate: the number of distinct days among a group's dates that all fall in one calendar month (the days of
-- an employee's month; a missing date is not counted), counted as the bits of a set of day numbers. count(distinct
-- day) keeps a set per group: 2.3 s against 0.3 s for the 6.4 million attendance days at M.
create or replace temp macro days_in_month_count(day_date) as
    coalesce(bit_count(bit_or(1::bigint << (day(day_date) - 1))), 0)::bigint;

-- A row of the payroll recalculation (marts.payroll_recalculation) of a method starting with method_prefix
-- ('pph21_', 'bpjs_') that differs from its recomputation by more than tolerance_idr. Nothing paid counts as 0; a
-- row that could not be recomputed (expected null) is not judged.
create or replace temp macro recalculation_differs(method, method_prefix, actual_idr, expected_idr, tolerance_idr) as
    starts_with(method, method_prefix)
    and expected_idr is not null
    and abs(coalesce(actual_idr, 0) - expected_idr) > tolerance_idr;

-- Benford tests (marts.control_benford: one row per test and digit). An aggregate over one test's rows: its result,
-- the struct the macros below take. n_amounts, mad, conformity and is_small_sample are the test's own (each of its
-- rows repeats them); significant_digits are the digits whose Z statistic is significant, largest first.
create or replace temp macro benford_result(n_amounts, mad, conformity, is_small_sample, digit, observed_share,
                                            expected_share, z_stat, is_significant) as
    {'n_amounts': any_value(n_amounts), 'mad': any_value(mad), 'conformity': any_value(conformity),
     'is_small_sample': any_value(is_small_sample),
     'significant_digits': list({'digit': digit, 'observed_share': round(observed_share, 4),
                                 'expected_share': round(expected_share, 4), 'z_stat': round(z_stat, 2)}
                                order by z_stat desc) filter (where is_significant)};

-- A test is a finding when it is marginal or nonconforming by Nigrini's MAD bands, or its population is smaller
-- than benford_min_sample (the result is not reliable either way).
create or replace temp macro benford_is_finding(result) as
    result.conformity in ('marginal', 'nonconformity') or result.is_small_sample;

-- Its severity: the registry's (null) for a nonconformity on a large enough sample, else low.
create or replace temp macro benford_severity(result) as
    case when result.conformity = 'nonconformity' and not result.is_small_sample then null else 'low' end;

-- Its description: what the test measured ('250 amounts, MAD 0.0123 = marginal'), then the small-sample caveat and
-- the digits to look at first (benford_advice_text ends the sentence).
create or replace temp macro benford_result_text(result) as
    result.n_amounts || ' amounts, MAD ' || format('{:.4f}', result.mad) || ' = ' || result.conformity;

create or replace temp macro benford_advice_text(result) as
    case when result.is_small_sample then ' (fewer amounts than the minimum sample, so not reliable)' else '' end
    || case
        when result.conformity in ('marginal', 'nonconformity') and len(result.significant_digits) > 0
            then '; look first at the amounts starting with '
                || array_to_string(list_transform(result.significant_digits[1:3], lambda x: x.digit::varchar), ', ')
        else ''
    end
    || '.';

-- Its evidence: the test's figures and its ten most significant digits.
create or replace temp macro benford_evidence(population, test, result) as
    json_object('population', population, 'test', test, 'n_amounts', result.n_amounts, 'mad', result.mad,
                'conformity', result.conformity, 'is_small_sample', result.is_small_sample,
                'significant_digits', coalesce(result.significant_digits[1:10], []))::varchar;
"""

MACRO_NAMES = tuple(re.findall(r"create or replace temp macro (\w+)\(", MACROS))


def create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the macros on ``con`` (temporary: they last as long as the connection)."""
    con.execute(MACROS)


def code_version(sql: str) -> str:
    """A control model's code version: its SQL and the macros it may call (these and the shared ones)."""
    return hashlib.sha256((sql + MACROS + SHARED_MACROS).encode()).hexdigest()[:16]
