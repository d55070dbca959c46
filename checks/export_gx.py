"""Every table's quality suite as a Great Expectations ExpectationSuite JSON file, for people who work in GX:

    .venv/bin/python -m checks.export_gx exported-suites/      # one <schema>.<table>.json per checked table

Each file loads back with ``gx.ExpectationSuite(**json.load(f))`` (or ``context.suites.add`` of that) and holds the
expectations the checks run as (checks/gx_suite.py), each with the check's name, dimension and severity in
``meta`` and its sentence in ``notes``. A rule or a relationship reads a column the pull adds (``_rule__<check>``,
``_ref__<check>``): its ``meta.derived_column`` gives the SQL that computes it. The checks GX cannot express
(constant columns, query rules) are listed in the suite's ``meta.kinerja.checks_outside_gx``; the suites are read
from the contracts folder of the settings, ``checks/suites/staging`` and the suites beside the models.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from checks.data_docs import all_suites, shown_sources
from checks.spec import Suite


def suite_json(suite: Suite) -> dict:
    """The GX ExpectationSuite of ``suite`` as GX serialises it."""
    from checks.gx_suite import expectation_suite

    return expectation_suite(suite, shown_sources(suite)).to_json_dict()


def export_suites(folder: Path, suites: Sequence[Suite] | None = None) -> list[Path]:
    """Write one ``<schema>.<table>.json`` per suite into ``folder``; return the files. The same suites give the
    same bytes."""
    suites = all_suites(strict=True) if suites is None else suites
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for suite in sorted(suites, key=lambda s: s.table):
        target = folder / f"{suite.table}.json"
        target.write_text(json.dumps(suite_json(suite), indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
        written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checks.export_gx", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where to write one <schema>.<table>.json per suite")
    args = parser.parse_args(argv)
    written = export_suites(args.folder)
    expectations = sum(len(json.loads(p.read_text("utf-8"))["expectations"]) for p in written)
    print(f"{len(written)} expectation suites ({expectations} expectations) written to {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
