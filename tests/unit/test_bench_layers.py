"""The benchmark's per-layer breakdown: every step of the nightly job lands in the layer it belongs to, and the
layers add up to the wall time."""

from __future__ import annotations

import pytest

from benchmarks.layers import LAYERS, breakdown, layer_of


@pytest.mark.parametrize(
    ("step", "layer"),
    [
        ("quality_core__fct_gl_line", "checks"),
        ("quality_staging__hris__employees__late", "checks"),
        ("reports__overview", "pages"),
        ("staging__stg_hris__employees", "ingest"),
        ("canonical__employees", "ingest"),
        ("ingest_hris__employees", "checks"),  # the source checks of a contract
        ("core__int_payroll__expected_bpjs", "payroll"),
        ("core/fct_payslip_line", "payroll"),
        ("marts__payroll_recalculation", "payroll"),
        ("core__int_findings__payroll_register", "findings"),
        ("marts__control_findings", "findings"),
        ("marts__hr_data_findings", "findings"),
        ("marts__kpi_hr__workforce", "kpis"),
        ("marts__kpi_values", "kpis"),
        ("marts__scorecard", "kpis"),
        ("core__dim_employee", "core"),
        ("core__fct_gl_line", "core"),
    ],
)
def test_a_step_lands_in_its_layer(step, layer):
    assert layer_of(step) == layer


def test_every_layer_of_the_nightly_job_has_steps():
    from pipelines.definitions import build_definitions

    defs = build_definitions()

    steps = [node.name for node in defs.resolve_job_def("nightly_refresh").graph.node_defs]
    found = {layer_of(s) for s in steps}
    assert found == set(LAYERS) - {"startup", "dagster"}


def test_the_layers_add_up_to_the_wall_time():
    steps = {"staging__stg_a": 2.0, "core__dim_b": 3.0, "quality_core__dim_b": 1.5, "reports__overview": 0.5}
    layers = breakdown(steps, total_seconds=10.0, startup_seconds=1.25)
    assert layers == {"startup": 1.25, "ingest": 2.0, "core": 3.0, "payroll": 0.0, "findings": 0.0, "kpis": 0.0,
                      "checks": 1.5, "pages": 0.5, "dagster": 1.75}  # fmt: skip
    assert sum(layers.values()) == pytest.approx(10.0)
