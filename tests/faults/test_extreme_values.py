"""Defect: an integer or decimal column holding 32 nines (anything at or above 2^63; decimals at or above 1e16)
failed staging with `ConversionException: Failed to cast decimal value ... to type INT64`; the run failed and kept
failing after the file was removed. Now every cast in staging is guarded: an out-of-range value is quarantined
with its rule, and no value in a file can fail the step. Every type gets its extreme values."""

from __future__ import annotations

import pytest
from fixtures.contracts import stage_one_file

CONTRACT = """
    entity: extremes
    system: probe
    domain: hr
    description: Extreme values of every type.
    grain: one row per probe
    files: ["probe/*.csv"]
    columns:
      probe_id: {required: true}
      n: {type: integer}
      amount: {type: decimal}
      day: {type: date, formats: ["%Y-%m-%d"]}
      moment: {type: timestamp}
      flag: {type: boolean}
"""
VALUES = {
    "n": ["9" * 32, "-" + "9" * 32, str(2**63), str(-(2**63) - 1), "1e400", "NaN", "inf", "0x10", "12.5", "1,2"],
    "amount": ["9" * 32, "1e16", "-1e400", "NaN", "1" + "0" * 40 + ".5", "1.0000000000001e-30", "--5", "5-"],
    "day": ["9999-12-31", "0000-01-01", "2024-02-30", "99999-01-01", "-0001-01-01", "2024-13-01"],
    "moment": ["294247-01-10 04:00:54", "9999-12-31 23:59:59.999999", "2024-01-01 25:00", "x"],
    "flag": ["2", "yes please", "\u0000"],
}


@pytest.mark.parametrize("column", sorted(VALUES))
def test_no_value_can_fail_staging(tmp_path, column):
    lines = ["probe_id," + column] + [f'P{i},"{v}"' for i, v in enumerate(VALUES[column])]
    content = ("\n".join(lines) + "\n").encode("utf-8")
    # staging must not raise, whatever the values
    con = stage_one_file(tmp_path, CONTRACT, "probe__extremes.yaml", "probe/values.csv", content)
    read, staged, quarantined = con.execute(
        "select rows_read, rows_staged, rows_quarantined from meta.load_manifest"
    ).fetchone()
    assert read == len(VALUES[column]) == staged + quarantined
    typed = con.execute(f'select "{column}" from staging.stg_probe__extremes where "{column}" is not null').fetchall()
    for (value,) in typed:  # what is staged is a real value of the type, never a wrapped or truncated one
        assert value is not None
