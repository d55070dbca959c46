"""Defect: Dagster showed personal values: table previews of core and mart tables (names, birth dates, salaries),
findings evidence (a shared bank account, a name), check results' failing-key samples and log lines. Now every
value leaving the warehouse through Dagster is masked by column (contracts' ``personal`` flags, the canonical
entities' ``personal`` and ``personal_data`` columns, the evidence keys of assets/controls/privacy.yaml), and free
text has its long digit runs and e-mail addresses masked (assets/metadata.py).

The test walks every event of two nightly runs on a generated company (materializations, check evaluations,
logs, failures: each event serialised whole) and looks for every national id, tax id, bank account, e-mail and
employee name of the landing files."""

from __future__ import annotations

import duckdb
import pytest
from dagster._serdes import serialize_value

pytestmark = pytest.mark.integration


def landed_secrets(warehouse) -> dict[str, set[str]]:
    """The personal values as the landing files hold them (raw.* keeps every cell as landed)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        people = con.execute(
            "select national_id, tax_id, bank_account, email, full_name from raw.hris__employees"
        ).fetchall()
        vendors = con.execute("select tax_id, bank_account from raw.erp__vendors").fetchall()
    secrets = {
        "national id": {r[0] for r in people},
        "tax id": {r[1] for r in people} | {v[0] for v in vendors},
        "bank account": {r[2] for r in people} | {v[1] for v in vendors},
        "e-mail": {r[3] for r in people},
        "employee name": {r[4] for r in people},
    }
    return {kind: {v.strip() for v in values if v and len(v.strip()) >= 6} for kind, values in secrets.items()}


def test_no_personal_value_in_any_event_of_the_night(two_nights):
    instance = two_nights["instance"]
    settings = two_nights["settings"]
    secrets = landed_secrets(settings.read_copy)
    assert all(len(values) >= 10 for values in secrets.values()), secrets.keys()
    events = [entry for run in two_nights["runs"] for entry in instance.all_logs(run.run_id)]
    kinds = {e.dagster_event.event_type_value for e in events if e.dagster_event}
    assert {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION", "STEP_SUCCESS"} <= kinds
    assert any(e.user_message and not e.dagster_event for e in events), "log lines are walked too"
    leaks = []
    for entry in events:
        text = serialize_value(entry)
        for kind, values in secrets.items():
            leaks += [(kind, value, entry.step_key) for value in values if value in text]
    assert leaks == [], f"{len(leaks)} personal values in Dagster events, e.g. {sorted(set(leaks))[:5]}"


def test_previews_still_show_the_rest(two_nights):
    """Masking is by column: a preview shows its other values (the preview is useful, not blank)."""
    second = two_nights["runs"][1]
    previews = {
        "/".join(m.asset_key.path): m.step_materialization_data.materialization.metadata["preview"].value
        for m in second.get_asset_materialization_events()
        if "preview" in m.step_materialization_data.materialization.metadata
    }
    employees = previews["staging/stg_hris__employees"]
    assert "•••" in employees and "E0" in employees  # names masked, employee ids shown
