"""The controls-and-compliance page, a list a reviewer works from: every open finding of
``marts.control_findings`` and ``marts.compliance_findings`` with its rule in words, severity, department, the
entity (masked where it names a person), amount, age, review status and owner, sorted by severity then amount
and filterable by rule, severity and department; the open high-severity amount as a tile; the false-positive
rate per rule; and the findings counted per rule, severity, month and department.

The columns read are those the findings SQL writes (assets/controls/sql/control_findings.sql); the review
status comes from ``marts.finding_status`` (the latest review of each finding, ``canonical.finding_reviews``),
and a warehouse without it takes every finding as open. Privacy (assets/controls/privacy.yaml): a findings list
shows individual findings, so no finding is withheld for a small group, but the department of a finding is
shown only where the disclosure control shows that department's figures for the month (as in the counts), a
person's id is masked (``E••••123``), and names, national ids, tax ids and bank accounts are masked in the
description, the evidence and the review note. A table not built yet gets an honest "not available yet"; the
rules the data cannot compute (``marts.rule_computability``) are listed with the columns they need."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path

import duckdb
import yaml

from assets.canonical.catalog import load_catalog
from assets.controls.registry import FINDINGS_MARTS
from assets.metadata import MASK, redact
from dashboards.disclosure import WITHHELD_DEPARTMENT
from dashboards.i18n import severity_name
from dashboards.render import Site, common_payload, embed_json, header_context, write_page
from dashboards.warehouse import columns_of, pick, rule_computability, table_exists
from pipelines.db import schema_tables

FINDINGS_TABLES = tuple(FINDINGS_MARTS.items())  # (kind, table)
STATUS_TABLE = "marts.finding_status"
FALSE_POSITIVE_TABLE = "marts.finding_false_positive_rates"
REVIEWS_TABLE = "canonical.finding_reviews"
REVIEW_MARTS = (STATUS_TABLE, FALSE_POSITIVE_TABLE)  # what the page reads besides the findings marts
PRIVACY_FILE = Path(__file__).resolve().parents[1] / "assets" / "controls" / "privacy.yaml"
# The columns the findings SQL writes (assets/controls/sql/control_findings.sql), in this order.
FINDING_COLUMNS = ("finding_id", "control_code", "control_name", "severity", "entity", "entity_key", "period",
                   "department_id", "amount_at_risk_idr", "description", "evidence")  # fmt: skip
SEVERITY_ORDER = ("critical", "high", "medium", "low")  # the open list sorts by this, most severe first
HIGH_SEVERITIES = ("critical", "high")
ID_DOTS = "••••"


# ---------------------------------------------------------------------------------------------- privacy


@lru_cache(maxsize=1)
def privacy_policy() -> tuple[dict[str, bool], frozenset[str]]:
    """(entity type -> its key names a person, evidence keys whose values name or identify a person)."""
    data = yaml.safe_load(PRIVACY_FILE.read_text(encoding="utf-8")) or {}
    personal_columns = {c for e in load_catalog().values() for c, spec in e.columns.items() if spec.personal}
    keys = frozenset(str(k) for k in data.get("personal_keys") or []) | personal_columns
    return {str(k): bool(v) for k, v in (data.get("entities") or {}).items()}, keys


def entity_is_personal(entity: str | None) -> bool:
    """Whether a finding's key names a person; an entity type the policy does not list is taken as personal."""
    entities, _ = privacy_policy()
    return entities.get(entity or "", True)


def mask_id(key: str | None) -> str:
    """``E00123`` -> ``E••••123``: the id's leading letters, four dots, its last three characters."""
    text = "" if key is None else str(key)
    if len(text) <= 4:
        return ID_DOTS
    prefix = re.match(r"[^\d]{0,3}", text).group(0)
    return prefix + ID_DOTS + text[-3:]


_WORD = re.compile(r"\w+")


def whole_word_pattern(tokens: Iterable[str]) -> re.Pattern | None:
    """Any of ``tokens`` as a whole word, case aside, the longest first where two start at one place."""
    alternatives = "|".join(re.escape(t) for t in sorted(tokens, key=lambda t: (-len(t), t)))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE) if alternatives else None


class WholeWords:
    """``whole_word_pattern(tokens)``'s matches, found by looking each word of a text up by the first word of the
    tokens instead: a regex of tens of thousands of alternatives tries them all at every word (the controls page
    at L, 20,000 employees' ids and names over its findings' texts: 6 s, nearly all of it that regex).

    A token that starts with no word character, or whose lower case is not as long as itself, is left to the
    regex: an index by first word cannot find it, nor compare it slice by slice."""

    def __init__(self, tokens: Iterable[str]) -> None:
        self._by_word: dict[str, list[str]] = {}
        rest = []
        for token in tokens:
            lowered = token.lower()
            first = _WORD.match(lowered)
            if first is None or len(lowered) != len(token):
                rest.append(token)
            else:
                self._by_word.setdefault(first.group(0), []).append(lowered)
        for group in self._by_word.values():
            group.sort(key=len, reverse=True)
        self._rest = whole_word_pattern(rest)

    def sub(self, replace: Callable[[str], str], text: str) -> str:
        """``text`` with each match replaced by ``replace(the matched text)``."""
        if self._rest is not None:
            text = self._rest.sub(lambda m: replace(m.group(0)), text)
        pieces, done = [], 0
        for word in _WORD.finditer(text):
            start = word.start()
            if start < done:  # inside a match already replaced
                continue
            for token in self._by_word.get(word.group(0).lower(), ()):
                end = start + len(token)
                if text[start:end].lower() == token and not _WORD.match(text, end):
                    pieces += [text[done:start], replace(text[start:end])]
                    done = end
                    break
        return "".join(pieces) + text[done:]


class Masker:
    """Masks free text from the warehouse: long digit runs (``redact``), every employee id (as ``mask_id``) and
    every employee name of ``canonical.employees``, and the personal values a finding's evidence names."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        ids: set[str] = set()
        names: set[str] = set()
        if table_exists(con, "canonical.employees"):
            cols = columns_of(con, "canonical.employees")
            for column, into in (("employee_id", ids), ("manager_id", ids), ("full_name", names)):
                if column in cols:
                    rows = con.execute(f"select distinct {column}::varchar from canonical.employees").fetchall()
                    into |= {r[0].strip() for r in rows if r[0] and len(r[0].strip()) > 1}
        self.ids = ids
        self._pattern = self._compile(ids | names)

    @staticmethod
    def _compile(tokens: set[str]) -> WholeWords | None:
        return WholeWords(tokens) if tokens else None

    def _token(self, token: str) -> str:
        return mask_id(token) if token in self.ids else MASK

    def text(self, value: str | None, extra: set[str] = frozenset()) -> str:
        """``value`` with every personal token masked (``extra``: the finding's own personal values)."""
        text = "" if value is None else str(value)
        for token in sorted((t for t in extra if len(t) > 1), key=lambda t: (-len(t), t)):
            text = re.sub(rf"(?<!\w){re.escape(token)}(?!\w)", self._token(token), text)
        if self._pattern is not None:
            text = self._pattern.sub(self._token, text)
        return redact(text)

    def evidence(self, evidence: str | None) -> tuple[str, set[str]]:
        """The evidence JSON with the values of personal keys masked, and those values (to mask elsewhere)."""
        if not evidence:
            return "", set()
        try:
            data = json.loads(evidence)
        except (TypeError, ValueError):
            return self.text(evidence), set()
        _, keys = privacy_policy()
        found: set[str] = set()

        def walk(node: object, personal: bool) -> object:
            if isinstance(node, dict):
                return {k: walk(v, personal or k in keys) for k, v in node.items()}
            if isinstance(node, list):
                return [walk(v, personal) for v in node]
            if personal and node is not None and not isinstance(node, bool):
                found.add(str(node))
                return self._token(str(node))
            return node

        masked = walk(data, False)
        text = json.dumps(masked, ensure_ascii=False, separators=(", ", ": "), sort_keys=True)
        return self.text(text, found), found


# ---------------------------------------------------------------------------------------------- reading


def missing_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    cols = columns_of(con, table)
    return [c for c in FINDING_COLUMNS if c not in cols]


def readable_tables(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[str, str]], list[str]]:
    """The findings marts the page can read ((kind, table)), and a note for each it cannot."""
    tables, problems = [], []
    for kind, table in FINDINGS_TABLES:
        if not table_exists(con, table):
            problems.append(("not_available", {"table": table}))
            continue
        lacking = missing_columns(con, table)
        if lacking:
            problems.append(("findings_columns_missing", {"table": table, "columns": ", ".join(lacking)}))
            continue
        tables.append((kind, table))
    return tables, problems


def read_findings(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> list[dict]:
    """Every finding of ``tables`` with its review status (open when ``marts.finding_status`` is absent)."""
    if not tables:
        return []
    columns = ", ".join(f"f.{c}" for c in FINDING_COLUMNS)
    status = table_exists(con, STATUS_TABLE)
    review = (
        "coalesce(s.review_status, 'open') as review_status, coalesce(s.is_open, true) as is_open, "
        "s.owner, s.note, s.reviewed_on"
        if status
        else "'open' as review_status, true as is_open, null as owner, null as note, null::date as reviewed_on"
    )
    join = f"left join {STATUS_TABLE} s on s.finding_id = f.finding_id" if status else ""
    parts = [f"select '{kind}' as kind, {columns}, {review} from {table} f {join}" for kind, table in tables]
    cursor = con.execute(" union all ".join(parts) + " order by kind, control_code, period, entity_key, finding_id")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def rule_names(con: duckdb.DuckDBPyConnection, language: str = "en") -> dict[str, str]:
    """Rule code -> its name in words in ``language`` (``marts.control_registry``: ``name``, ``name_id``)."""
    if not table_exists(con, "marts.control_registry"):
        return {}
    cols = columns_of(con, "marts.control_registry")
    if "code" not in cols or "name" not in cols:
        return {}
    local = "coalesce(nullif(name_id, ''), name)" if language == "id" and "name_id" in cols else "name"
    rows = con.execute(f"select code::varchar, {local}::varchar from marts.control_registry order by 1").fetchall()
    return {code: name for code, name in rows if code and name}


def false_positive_rates(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(rule, kind, findings, open, closed, false positives, rate %) per rule with findings."""
    if not table_exists(con, FALSE_POSITIVE_TABLE):
        return []
    return con.execute(
        f"select control_code, kind, n_findings, n_open, n_closed, n_false_positive, false_positive_rate_pct "
        f"from {FALSE_POSITIVE_TABLE} where n_findings > 0 order by kind, control_code"
    ).fetchall()


def unmatched_reviews(con: duckdb.DuckDBPyConnection) -> int:
    """Reviews naming a finding the warehouse does not have (a typo, or a finding the rules no longer raise)."""
    if not (table_exists(con, REVIEWS_TABLE) and table_exists(con, STATUS_TABLE)):
        return 0
    return int(
        con.execute(
            f"select count(*) from {REVIEWS_TABLE} r where r.finding_id is not null and not exists "
            f"(select 1 from {STATUS_TABLE} s where s.finding_id = trim(r.finding_id))"
        ).fetchone()[0]
    )


# ---------------------------------------------------------------------------------------------- the page


def department_shown(site: Site, department: str | None, i: int | None) -> str:
    """The department a findings row may carry: its own, or ``WITHHELD_DEPARTMENT`` when the disclosure control
    withholds that department's figures in the row's month (in any month for a row outside the window or
    undated); the company total still counts the row."""
    if not department:
        return ""
    if i is not None and i >= 0 and site.disclosure.department_shown(department, i):
        return department
    if (i is None or i < 0) and not site.disclosure.withheld_anywhere(department):
        return department
    return WITHHELD_DEPARTMENT


def severity_rank(severity: str | None) -> int:
    return SEVERITY_ORDER.index(severity) if severity in SEVERITY_ORDER else len(SEVERITY_ORDER)


def age_days(period: dt.date | None, today: dt.date) -> int | None:
    """Days from the end of the finding's month (when it could first be seen) to ``today``; none when undated."""
    if not isinstance(period, dt.date):
        return None
    month_end = (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return max(0, (today - month_end).days)


def open_list(rows: list[dict], site: Site, masker: Masker) -> list[list]:
    """The open findings as the page lists them, most severe first, then the largest amount:
    [source, rule, severity, department, entity, description, amount, age, status, owner, note, evidence, month,
    reference]."""
    index = {p: i for i, p in enumerate(site.periods)}
    sources = {kind: n for n, (kind, _) in enumerate(FINDINGS_TABLES)}
    today = site.now.date()
    out = []
    for row in rows:
        if not row["is_open"]:
            continue
        evidence, personal = masker.evidence(row["evidence"])
        key = row["entity_key"]
        if entity_is_personal(row["entity"]):
            personal.add(str(key))
            shown_key = mask_id(key)
        else:
            shown_key = masker.text(key)
        i = index.get(row["period"]) if isinstance(row["period"], dt.date) else -1
        out.append(
            [
                *rule_cells(row, sources),
                department_shown(site, row["department_id"], i),
                shown_key,
                masker.text(row["description"], personal),
                whole_amount(row["amount_at_risk_idr"]),
                age_days(row["period"], today),
                row["review_status"],
                masker.text(row["owner"]),
                masker.text(row["note"], personal),
                evidence,
                -1 if i is None else i,
                masker.text(str(row["finding_id"]).replace(str(key), shown_key), personal),
            ]
        )
    out.sort(key=lambda r: (severity_rank(r[2]), -(r[6] if r[6] is not None else -1), r[1], r[13]))
    return out


def rule_cells(row: dict, sources: dict[str, int]) -> list:
    """[source, rule, severity] of a finding: the cells its rows in the list and in the counts start with."""
    return [sources[row["kind"]], redact(row["control_code"]), row["severity"] or ""]


def whole_amount(amount) -> int | None:
    """An amount at risk in whole units of the reporting currency, as the tables and counts show it."""
    return None if amount is None else round(float(amount))


def merge_rows(rows: list[list], key_size: int) -> list[list]:
    """Rows with the same first ``key_size`` cells added up (counts, and amounts where any is known), sorted."""
    merged: dict[tuple, list] = {}
    for row in rows:
        key = tuple(row[:key_size])
        if key not in merged:
            merged[key] = list(row)
            continue
        into = merged[key]
        for k in range(key_size, len(row)):
            if row[k] is not None:
                into[k] = row[k] if into[k] is None else into[k] + row[k]
    return [merged[k] for k in sorted(merged, key=lambda k: tuple((v is None, str(v)) for v in k))]


def count_rows(rows: list[dict], site: Site) -> list[list]:
    """Every finding (open or not) counted per [source, rule, severity, month, department, n, amount], months of
    the reporting window only, departments as the disclosure control shows them."""
    index = {p: i for i, p in enumerate(site.periods)}
    sources = {kind: n for n, (kind, _) in enumerate(FINDINGS_TABLES)}
    out = []
    for row in rows:
        i = index.get(row["period"]) if isinstance(row["period"], dt.date) else -1
        if i is None:
            continue  # outside the reporting window
        department = department_shown(site, row["department_id"], i)
        out.append([*rule_cells(row, sources), i, department, 1, whole_amount(row["amount_at_risk_idr"])])
    return merge_rows(out, 5)


def findings_payload(con: duckdb.DuckDBPyConnection, site: Site) -> tuple[dict, list[str]]:
    tables, problems = readable_tables(con)
    notes = [site.text(key, **params) for key, params in problems]
    rows = read_findings(con, tables)
    masker = Masker(con)
    names = rule_names(con, site.language)
    readable = {t for _, t in tables}
    sources = [
        {
            "label": site.text(f"source_{kind}"),
            "table": table,
            "available": table in readable,
            "hasDepartment": True,
            "hasPeriod": True,
            "hasAmount": True,
        }
        for kind, table in FINDINGS_TABLES
    ]
    open_rows = open_list(rows, site, masker)
    unmatched = unmatched_reviews(con)
    if unmatched:
        notes.append(site.text("reviews_unmatched", n=unmatched, table=REVIEWS_TABLE))
    if tables and not table_exists(con, STATUS_TABLE):
        notes.append(site.text("reviews_not_available", table=STATUS_TABLE))
    codes = sorted({r[1] for r in open_rows} | {redact(r["control_code"]) for r in rows})
    statuses = ("open", "acknowledged", "resolved", "false_positive")
    payload = {
        "kind": "findings",
        "sources": sources,
        "rows": count_rows(rows, site),
        "open": open_rows,
        "falsePositive": [
            [redact(r[0]), r[1], *r[2:6], None if r[6] is None else round(r[6], 1)] for r in false_positive_rates(con)
        ],
        "ruleNames": {code: redact(names.get(code) or code) for code in codes},
        "highSeverities": list(HIGH_SEVERITIES),
        "severityOrder": list(SEVERITY_ORDER),
        "severityNames": {s: severity_name(s, site.language) for s in SEVERITY_ORDER},
        "statusNames": {s: site.text(f"review_{s}") for s in statuses},
    }
    return payload, notes


def render_controls(con: duckdb.DuckDBPyConnection, site: Site) -> Path:
    payload, notes = findings_payload(con, site)
    names = rule_names(con, site.language)
    missing = rule_computability(con)
    items = site.not_computable_items([(redact(names.get(code) or code), nc) for code, nc in missing.items()])
    codes = sorted({r[1] for r in payload["open"]}, key=lambda c: payload["ruleNames"].get(c, c).casefold())
    severities = [s for s in SEVERITY_ORDER if any(r[2] == s for r in payload["open"])]
    context = header_context(site, "controls", site.text("title_controls"))
    context.update(
        departments=site.departments,
        rules=[(code, payload["ruleNames"].get(code, code)) for code in codes],
        severities=[(s, payload["severityNames"][s]) for s in severities],
        notes=notes,
        unavailable_title=site.text("rules_not_computable"),
        unavailable=items,
        data_json=embed_json({**common_payload(site, "controls"), **payload}),
    )
    return write_page(site, "controls.html", "controls.html", context)


# ---------------------------------------------------------------------------------------------- data findings


def data_findings_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Marts of source rows that loaded but cannot be trusted as they are (``marts.<domain>_data_findings``)."""
    return [f"marts.{name}" for name in schema_tables(con, "marts") if name.endswith("_data_findings")]


def _period_expr(column: str) -> str:
    text = f"{column}::varchar"
    return f"coalesce(try_cast({text} as date), try_strptime({text}, '%Y-%m')::date)"


def data_findings_summary(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple] | None:
    """A domain's data findings counted per (rule, severity, month, department): [rule, severity, period,
    department, n, amount]. The HR mart names its rule ``finding_code``, the finance mart ``finding_type``;
    severity, department and amount (``amount_idr``) are read where the mart has them."""
    cols = columns_of(con, table)
    rule = pick(cols, "finding_code", "finding_type")
    if rule is None:
        return None
    severity = "coalesce(lower(severity::varchar), '')" if "severity" in cols else "''"
    period = _period_expr("period") if "period" in cols else "null::date"
    department = "department_id::varchar" if "department_id" in cols else "null"
    amount = "sum(try_cast(amount_idr as double))" if "amount_idr" in cols else "null::double"
    return con.execute(
        f"select {rule}::varchar, {severity}, {period}, {department}, count(*), {amount} from {table} "
        "group by all order by all"
    ).fetchall()


def findings_rows(
    con: duckdb.DuckDBPyConnection, site: Site, tables: list[tuple[str, str]]
) -> tuple[list[dict], list[list], dict[str, str], list[str]]:
    """Per (label, data findings table): the source, and rows [source, rule, severity, month, department, n,
    amount] of the reporting window, departments as the disclosure control shows them (the quality page)."""
    index = {p: i for i, p in enumerate(site.periods)}
    sources, rows, notes = [], [], []
    for label, table in tables:
        summary = data_findings_summary(con, table) if table_exists(con, table) else None
        sources.append({"label": label, "table": table, "available": summary is not None})
        if summary is None:
            notes.append(site.text("not_available", table=table))
            continue
        for rule, severity, period, department, n, amount in summary:
            i = index.get(period) if isinstance(period, dt.date) else -1
            if i is None:
                continue  # outside the reporting window
            rows.append(
                [
                    len(sources) - 1,
                    redact(rule),
                    severity,
                    i,
                    department_shown(site, department, i),
                    int(n),
                    None if amount is None else round(amount),
                ]
            )
    return sources, merge_rows(rows, 5), {}, notes


# ---------------------------------------------------------------------------------------------- monthly review


def findings_for_month(
    con: duckdb.DuckDBPyConnection, period: dt.date, language: str = "en"
) -> dict[str, list[tuple]] | None:
    """For the monthly review: the month's open findings per source as (rule in words, severity in words, n,
    amount), most findings first; None when no findings table exists."""
    tables, _ = readable_tables(con)
    if not any(table_exists(con, t) for _, t in FINDINGS_TABLES):
        return None
    names = rule_names(con, language)
    rows = read_findings(con, tables)
    found: dict[str, list[tuple]] = {kind: [] for kind, _ in tables}
    totals: dict[tuple[str, str, str], list] = {}
    for row in rows:
        if row["period"] != period or not row["is_open"]:
            continue
        entry = totals.setdefault((row["kind"], row["control_code"], row["severity"] or ""), [0, None])
        entry[0] += 1
        if row["amount_at_risk_idr"] is not None:
            entry[1] = (entry[1] or 0) + float(row["amount_at_risk_idr"])
    for (kind, code, severity), (n, amount) in totals.items():
        found[kind].append(
            (redact(names.get(code) or code), severity_name(severity, language), n, amount, severity_rank(severity))
        )
    return {
        kind: [item[:4] for item in sorted(items, key=lambda x: (x[4], -x[2], x[0]))] for kind, items in found.items()
    }
