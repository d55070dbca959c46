"""Alerts reach a local SMTP server and a local HTTP receiver (both started here on 127.0.0.1); a channel that
fails is named in a sentence and never stops the other one."""

from __future__ import annotations

import json

import duckdb
import pytest
from fixtures.receivers import HttpReceiver, SmtpReceiver

from pipelines import alerts
from pipelines.settings import Settings

RUN_ID = "0123abcd-0000-0000-0000-000000000000"


@pytest.fixture
def smtp():
    server = SmtpReceiver()
    yield server
    server.stop()


@pytest.fixture
def http():
    server = HttpReceiver()
    yield server
    server.stop()


def _settings(smtp_port: int, **extra) -> Settings:
    return Settings(
        company_name="PT Uji", smtp_host="127.0.0.1", smtp_port=smtp_port,
        alert_email_to=["hr-lead@example.com", "it@example.com"], alert_email_from="kinerja@example.com", **extra,
    )  # fmt: skip


def _warehouse(path) -> None:
    """The night's marts, by hand: two company KPIs red in the newest month (one red only a month earlier),
    high-severity findings of two rules, one failed check of this run (one of an older run), one quarantined file."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema meta")
        con.execute(
            "create table marts.scorecard (period date, department_id varchar, kpi_code varchar, value double, "
            "target double, status varchar)"
        )
        con.execute(
            """insert into marts.scorecard values
            ('2025-05-01', 'ALL', 'turnover_rate', 3.0, 2.0, 'red'),
            ('2025-06-01', 'ALL', 'turnover_rate', 1.5, 2.0, 'green'),
            ('2025-06-01', 'ALL', 'absenteeism_rate', 4.25, 3.0, 'red'),
            ('2025-06-01', 'ALL', 'overtime_cost_ratio', 9.0, 5.0, 'red'),
            ('2025-06-01', 'D01', 'headcount_period_end', 10, 20, 'red')"""
        )
        for table in ("control_findings", "compliance_findings"):
            con.execute(
                f"create table marts.{table} (finding_id varchar, control_code varchar, severity varchar, "
                "amount_at_risk_idr decimal(18,2))"
            )
        con.execute(
            """insert into marts.control_findings values ('f1', 'duplicate_payment', 'high', 1000000),
            ('f2', 'duplicate_payment', 'high', 2500000), ('f3', 'round_amounts', 'low', 9)"""
        )
        con.execute("insert into marts.compliance_findings values ('f4', 'minimum_wage', 'high', null)")
        con.execute(
            "create table meta.check_results (run_id varchar, table_name varchar, check_name varchar, "
            "severity varchar, passed boolean)"
        )
        con.execute(
            f"""insert into meta.check_results values ('{RUN_ID}', 'core.fct_leave', 'validity_leave_type', 'WARN',
            false), ('{RUN_ID}', 'core.fct_leave', 'uniqueness_leave_id', 'ERROR', true),
            ('older-run', 'core.dim_employee', 'completeness_tax_id', 'ERROR', false)"""
        )
        con.execute("create table meta.load_manifest (contract varchar, status varchar, rows_quarantined bigint)")
        con.execute(
            """insert into meta.load_manifest values ('hris__leave', 'loaded', 2), ('hris__leave', 'superseded', 5),
            ('hris__employees', 'loaded', 0)"""
        )


def test_the_digest_lists_what_went_red_in_the_night(tmp_path):
    _warehouse(tmp_path / "w.duckdb")
    settings = Settings(company_name="PT Uji", currency="IDR")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        digest = alerts.night_digest(con, RUN_ID, settings)
    sections = dict(digest.sections)
    assert sections["Off-target KPIs (company, newest month)"] == (
        "absenteeism_rate: 4.25 against 3.00",
        "overtime_cost_ratio: 9.00 against 5.00",
    )
    assert sections["High-severity findings"] == (
        "duplicate_payment: 2 (3,500,000 IDR at risk)",
        "minimum_wage: 1 (0 IDR at risk)",
    )
    assert sections["Failed checks"] == ("core.fct_leave validity_leave_type (WARN)",)
    assert sections["Quarantined rows"] == ("hris__leave: 2",)
    assert digest.subject == "PT Uji: nightly run 0123abcd finished, 6 item(s) need attention"


def test_a_night_without_marts_still_gets_a_digest(tmp_path):
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    with duckdb.connect(str(tmp_path / "empty.duckdb"), read_only=True) as con:
        digest = alerts.night_digest(con, RUN_ID, Settings())
    assert all(lines == () for _, lines in digest.sections)
    assert "none" in digest.text()


def test_the_digest_arrives_by_email_and_webhook(tmp_path, smtp, http, monkeypatch):
    _warehouse(tmp_path / "w.duckdb")
    settings = _settings(smtp.port, warehouse_path=tmp_path / "w.duckdb", alert_webhook_format="slack")
    monkeypatch.setenv(alerts.WEBHOOK_URL_ENV, http.url)
    done = alerts.notify_night(RUN_ID, success=True, settings=settings)
    assert done.sent == ["email", "webhook"] and done.problems == []
    [mail] = smtp.messages
    assert mail["to"] == ["<hr-lead@example.com>", "<it@example.com>"]
    assert mail["message"]["Subject"] == "PT Uji: nightly run 0123abcd finished, 6 item(s) need attention"
    body = mail["message"].get_payload(decode=True).decode()
    assert "absenteeism_rate: 4.25 against 3.00" in body and "http://127.0.0.1:8080/quality.html" in body
    [post] = http.posts
    assert "duplicate_payment: 2 (3,500,000 IDR at risk)" in json.loads(post)["text"]


def test_a_webhook_answering_500_is_reported_and_the_email_still_goes(tmp_path, smtp, http, monkeypatch):
    _warehouse(tmp_path / "w.duckdb")
    http.status = 500
    monkeypatch.setenv(alerts.WEBHOOK_URL_ENV, http.url)
    done = alerts.notify_night(RUN_ID, True, settings=_settings(smtp.port, warehouse_path=tmp_path / "w.duckdb"))
    assert done.sent == ["email"]
    assert done.problems == ["the alert webhook answered HTTP 500 (Internal Server Error); the alert was not posted"]
    assert len(smtp.messages) == 1 and len(http.posts) == 1


def test_an_smtp_server_that_is_down_is_reported(tmp_path, http, monkeypatch):
    closed = SmtpReceiver()
    port = closed.port
    closed.stop()  # nothing listens on the port any more
    monkeypatch.setenv(alerts.WEBHOOK_URL_ENV, http.url)
    done = alerts.deliver(alerts.Alert("subject"), _settings(port))
    assert done.sent == ["webhook"]
    [problem] = done.problems
    assert problem.startswith(f"the alert e-mail to hr-lead@example.com, it@example.com could not be sent through "
                              f"127.0.0.1:{port}: ")  # fmt: skip


def test_nothing_is_sent_when_no_channel_is_configured(tmp_path, monkeypatch):
    monkeypatch.delenv(alerts.WEBHOOK_URL_ENV, raising=False)
    done = alerts.notify_night(RUN_ID, success=True, settings=Settings(warehouse_path=tmp_path / "absent.duckdb"))
    assert done.sent == [] and done.problems == []


@pytest.mark.parametrize("kind", ["slack", "teams", "json"])
def test_each_webhook_format_carries_the_subject(kind):
    payload = json.dumps(alerts.webhook_payload(alerts.Alert("PT Uji: nightly run FAILED", (("x", ("y",)),)), kind))
    assert "PT Uji: nightly run FAILED" in payload


def test_the_failure_sensor_mails_the_failed_step(isolated_settings, smtp, monkeypatch):
    import dagster as dg

    from pipelines.settings import get_settings

    monkeypatch.setenv("KINERJA_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KINERJA_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("KINERJA_ALERT_EMAIL_TO", "hr-lead@example.com")
    monkeypatch.delenv(alerts.WEBHOOK_URL_ENV, raising=False)
    get_settings.cache_clear()

    @dg.op
    def load_payroll():
        raise ValueError("payroll export unreadable")

    @dg.job(name="nightly_refresh")
    def failing():
        load_payroll()

    instance = dg.DagsterInstance.ephemeral()
    result = failing.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.PIPELINE_FAILURE)
    context = dg.build_run_status_sensor_context(
        sensor_name="nightly_failure_alert", dagster_event=failure, dagster_instance=instance,
        dagster_run=result.dagster_run,
    ).for_run_failure()  # fmt: skip
    alerts.nightly_failure_alert(context)
    get_settings.cache_clear()
    [mail] = smtp.messages
    assert mail["message"]["Subject"] == f"PT Kinerja Contoh: nightly run {result.run_id[:8]} FAILED"
    body = mail["message"].get_payload(decode=True).decode()
    assert "load_payroll: ValueError: payroll export unreadable" in body
    assert "the pages and data of the last good night" in body
