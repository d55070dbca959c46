"""Finding reviews (controls/finding_reviews.csv): what the internal-audit team recorded about a few of the
findings the generator plants, so the demo's controls page shows every review status.

A review names a finding by its ``finding_id``, which the nightly run builds from the rule's code and the
flagged record (assets/controls/sql): for the rules below that is ``<rule code>:<key of the answer key>``.
The story: the employees sharing a bank account are a married couple (both findings closed as false positives),
a missing tax id was chased and fixed (acknowledged, then resolved), a duplicate tax id is being checked
(acknowledged) and a self-approved invoice has an owner but no answer yet (open)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from generator.context import Context

COLUMNS = ["finding_id", "status", "owner", "note", "reviewed_on"]
# planted anomaly type -> the rule code that flags it, for rules whose finding_id is "<code>:<key>"
RULE_OF = {"shared_bank_account": "shared_bank_account", "missing_tax_id": "missing_tax_id",
           "duplicate_tax_id": "duplicate_tax_id", "sod_invoice_creator_approver": "sod_invoice"}  # fmt: skip
# (anomaly type, which of its planted keys: "first" or "all", [(days before the last day, status, owner, note)])
REVIEWS = [
    ("shared_bank_account", "all", [
        (10, "false_positive", "team:internal-audit",
         "Joint account of a married couple who both work here; the marriage certificate is in the personnel file."),
    ]),
    ("missing_tax_id", "first", [
        (25, "acknowledged", "team:payroll", "Asked the employee for the NPWP card."),
        (6, "resolved", None, "NPWP received and entered in the HRIS; the next payroll withholds at the normal rate."),
    ]),
    ("duplicate_tax_id", "first", [
        (12, "acknowledged", "team:hr-data", "Checking with the tax office which of the two records holds the NPWP."),
    ]),
    ("sod_invoice_creator_approver", "first", [
        (3, "open", "team:finance-data", "Assigned to the accounts-payable lead."),
    ]),
]  # fmt: skip


def finding_reviews(ctx: Context) -> pd.DataFrame:
    """The review log for the anomalies this run planted (a type planted zero times gets no review)."""
    keys: dict[str, list[str]] = {}
    for row in ctx.answer_key.rows:
        keys.setdefault(row["anomaly_type"], []).append(row["key"])
    rows = []
    for kind, which, steps in REVIEWS:
        planted = sorted(set(keys.get(kind, [])))
        for key in planted if which == "all" else planted[:1]:
            for days_before, status, owner, note in steps:
                reviewed_on = ctx.end_date - dt.timedelta(days=days_before)
                rows.append([f"{RULE_OF[kind]}:{key}", status, owner, note, reviewed_on.isoformat()])
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["reviewed_on", "finding_id"], kind="stable").reset_index(drop=True)
