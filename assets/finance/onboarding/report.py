"""Print the Lambeth Grand Total check of a warehouse the realdata contracts were loaded into.

python -m assets.finance.onboarding.report <warehouse.duckdb>

Amounts of the spend reports are in the reporting currency of the settings (KINERJA_CURRENCY), as in the warehouse.
"""

from __future__ import annotations

import sys

import duckdb

from assets.finance.onboarding import build_onboarding_reports
from pipelines.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print("usage: python -m assets.finance.onboarding.report <warehouse.duckdb>", file=sys.stderr)
        return 2
    with duckdb.connect(args[0]) as con:
        built = build_onboarding_reports(con, get_settings())
        print("built:", ", ".join(built) or "nothing (load the realdata contracts first)")
        if "marts.lambeth_grand_total_check" in built:
            for month, status, difference, explanation in con.execute(
                "select month, status, difference_gbp, explanation from marts.lambeth_grand_total_check"
            ).fetchall():
                print(f"{month}  {status:15} {difference if difference is not None else '':>14}  {explanation}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
