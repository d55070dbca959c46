"""Ingestion checks per source: nothing lost (blocking) and no file left unreadable (warning)."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.ingest.assets import contract_paths, staging_key

ROW_ACCOUNTING = "row_accounting_per_file"
NO_FAILED_FILES = "no_failed_files"
SAMPLE_SIZE = 10


def _contract_name(path: Path) -> str:
    return path.stem


def build_row_accounting_check(path: Path) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=staging_key(path),
        name=ROW_ACCOUNTING,
        blocking=True,
        description="Every active file: rows read = rows staged + rows quarantined (nothing lost).",
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            rows = con.execute(
                """
                select source_path, rows_read, rows_staged, rows_quarantined
                from meta.load_manifest
                where contract = ? and status = 'loaded'
                order by source_path
                """,
                [_contract_name(path)],
            ).fetchall()
        unbalanced = [r for r in rows if r[1] != (r[2] or 0) + (r[3] or 0)]
        return dg.AssetCheckResult(
            passed=not unbalanced,
            description=(
                f"{len(unbalanced)} file(s) whose rows read differ from rows staged + quarantined: "
                "reload them and report the ingestion defect."
                if unbalanced
                else f"All {len(rows)} file(s) balance."
            ),
            metadata={
                "files_checked": len(rows),
                "rows_read": sum(r[1] for r in rows),
                "rows_staged": sum(r[2] or 0 for r in rows),
                "rows_quarantined": sum(r[3] or 0 for r in rows),
                "unbalanced_sample": [
                    f"{r[0]}: read {r[1]}, staged {r[2]}, quarantined {r[3]}"
                    for r in unbalanced[:SAMPLE_SIZE]
                ],
            },
        )

    return _check


def build_failed_files_check(path: Path) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=staging_key(path),
        name=NO_FAILED_FILES,
        description="No landed file of this source is unreadable (wrong format, missing required column, ...).",
    )
    def _check(duckdb: DuckDBResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            failed = con.execute(
                "select source_path, error from meta.load_manifest where contract = ? and status = 'failed' "
                "order by source_path",
                [_contract_name(path)],
            ).fetchall()
        return dg.AssetCheckResult(
            passed=not failed,
            severity=dg.AssetCheckSeverity.WARN,
            description=(
                f"{len(failed)} file(s) could not be loaded; fix the file or the contract and rerun: "
                + " | ".join(e for _, e in failed[:3])
                if failed
                else "Every landed file was readable."
            ),
            metadata={"failed_files": [f"{p}: {e}" for p, e in failed[:SAMPLE_SIZE]]},
        )

    return _check


def ingest_checks() -> list[dg.AssetChecksDefinition]:
    paths = contract_paths()
    return [build_row_accounting_check(p) for p in paths] + [build_failed_files_check(p) for p in paths]


defs = dg.Definitions(asset_checks=ingest_checks())
