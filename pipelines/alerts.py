"""Alerts: a failed night reaches someone, and every finished night sends a short "what went red" digest.

Two channels, each optional and configured in the settings (``alerts`` keys in config/kinerja.yaml):
- e-mail over SMTP (``alert_email_to``, ``alert_email_from``, ``smtp_host``, ``smtp_port``, ``smtp_starttls``);
  the login, if the server wants one, comes from the environment only: ``KINERJA_SMTP_USER`` and
  ``KINERJA_SMTP_PASSWORD``;
- a chat webhook (``alert_webhook_format``: ``slack``, ``teams`` or ``json``), whose address is a secret and so
  comes from the environment only: ``KINERJA_ALERT_WEBHOOK_URL``.

The Dagster daemon runs the two sensors below for scheduled and UI runs; ``kinerja run`` calls ``notify_night``
itself at the end of its in-process run. A channel that fails (an SMTP server down, a webhook answering 500) is
reported with a sentence and never fails the night: alerts are sent after the night is decided.
"""

from __future__ import annotations

import json
import os
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage

import dagster as dg
import duckdb

from pipelines.jobs import nightly_refresh
from pipelines.settings import Settings, get_settings
from pipelines.warehouse import open_reader

SMTP_USER_ENV = "KINERJA_SMTP_USER"
SMTP_PASSWORD_ENV = "KINERJA_SMTP_PASSWORD"
WEBHOOK_URL_ENV = "KINERJA_ALERT_WEBHOOK_URL"
TIMEOUT_SECONDS = 10
MAX_LINES_PER_SECTION = 10


@dataclass(frozen=True)
class Alert:
    """One message: a subject line and sections of short lines (plain text; the channels format it)."""

    subject: str
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()
    link: str | None = None

    def text(self) -> str:
        parts = [self.subject, ""]
        for title, lines in self.sections:
            parts.append(f"{title}:")
            parts.extend(f"  - {line}" for line in lines) if lines else parts.append("  none")
            parts.append("")
        if self.link:
            parts.append(self.link)
        return "\n".join(parts).rstrip() + "\n"


@dataclass
class Delivery:
    """What happened to one alert on each configured channel."""

    sent: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def send_email(alert: Alert, settings: Settings, environ=os.environ) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.alert_email_from
    message["To"] = ", ".join(settings.alert_email_to)
    message.set_content(alert.text())
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        user = environ.get(SMTP_USER_ENV)
        if user:
            smtp.login(user, environ.get(SMTP_PASSWORD_ENV, ""))
        smtp.send_message(message)


def webhook_payload(alert: Alert, kind: str) -> dict:
    """The body each chat expects: Slack's ``text``, a Teams message card, or the alert as JSON."""
    if kind == "slack":
        return {"text": alert.text()}
    if kind == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": alert.subject,
            "title": alert.subject,
            "text": alert.text().replace("\n", "<br>"),
        }
    return {
        "subject": alert.subject,
        "sections": [{"title": t, "lines": list(lines)} for t, lines in alert.sections],
        "link": alert.link,
    }


def send_webhook(alert: Alert, url: str, kind: str) -> None:
    body = json.dumps(webhook_payload(alert, kind)).encode("utf-8")
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (a configured URL)
        response.read()


def deliver(alert: Alert, settings: Settings, environ=os.environ) -> Delivery:
    """Send ``alert`` on every configured channel; a channel that fails is named in ``problems``."""
    done = Delivery()
    if settings.alert_email_to and settings.smtp_host:
        try:
            send_email(alert, settings, environ)
            done.sent.append("email")
        except (OSError, smtplib.SMTPException) as exc:
            done.problems.append(
                f"the alert e-mail to {', '.join(settings.alert_email_to)} could not be sent through "
                f"{settings.smtp_host}:{settings.smtp_port}: {exc}"
            )
    url = environ.get(WEBHOOK_URL_ENV)
    if url:
        try:
            send_webhook(alert, url, settings.alert_webhook_format)
            done.sent.append("webhook")
        except urllib.error.HTTPError as exc:
            done.problems.append(f"the alert webhook answered HTTP {exc.code} ({exc.reason}); the alert was not posted")
        except (OSError, ValueError) as exc:
            done.problems.append(f"the alert webhook could not be reached: {exc}")
    return done


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[tuple]:
    try:
        return con.execute(sql, params or []).fetchall()
    except duckdb.CatalogException:  # a table a partial night did not build
        return []


def _capped(lines: list[str]) -> tuple[str, ...]:
    if len(lines) <= MAX_LINES_PER_SECTION:
        return tuple(lines)
    return (*lines[:MAX_LINES_PER_SECTION], f"... and {len(lines) - MAX_LINES_PER_SECTION} more")


def night_digest(con: duckdb.DuckDBPyConnection, run_id: str, settings: Settings) -> Alert:
    """What went red in the night ``run_id``: off-target company KPIs of the newest month, high-severity findings
    first seen in this run, failed checks and quarantined rows. Aggregates only: no personal value is sent."""
    red = _rows(
        con,
        """
        select s.kpi_code, s.value, s.target
        from marts.scorecard s
        where s.department_id = 'ALL' and s.status = 'red'
          and s.period = (select max(period) from marts.scorecard)
        order by s.kpi_code
        """,
    )
    findings = _rows(
        con,
        """
        select control_code, count(*), sum(coalesce(amount_at_risk_idr, 0))
        from (select control_code, severity, amount_at_risk_idr, finding_id from marts.control_findings
              union all
              select control_code, severity, amount_at_risk_idr, finding_id from marts.compliance_findings)
        where severity = 'high'
        group by all order by 2 desc, 1
        """,
    )
    failed = _rows(
        con,
        "select table_name, check_name, severity from meta.check_results where run_id = ? and not passed "
        "order by severity, table_name, check_name",
        [run_id],
    )
    quarantined = _rows(
        con,
        "select contract, sum(rows_quarantined) from meta.load_manifest where status = 'loaded' "
        "and rows_quarantined > 0 group by 1 order by 1",
    )
    money = settings.currency
    sections = (
        ("Off-target KPIs (company, newest month)", _capped([f"{c}: {v:,.2f} against {t:,.2f}" for c, v, t in red])),
        ("High-severity findings", _capped([f"{c}: {n} ({a:,.0f} {money} at risk)" for c, n, a in findings])),
        ("Failed checks", _capped([f"{t} {c} ({s})" for t, c, s in failed])),
        ("Quarantined rows", _capped([f"{c}: {n}" for c, n in quarantined])),
    )
    count = sum(len(lines) for _, lines in sections)
    subject = f"{settings.company_name}: nightly run {run_id[:8]} finished, {count} item(s) need attention"
    return Alert(subject, sections, link=f"{settings.reports_base_url.rstrip('/')}/quality.html")


def failure_alert(run_id: str, failure: str, settings: Settings) -> Alert:
    return Alert(
        f"{settings.company_name}: nightly run {run_id[:8]} FAILED",
        (("What failed", (failure,)), ("What readers see", ("the pages and data of the last good night",))),
        link=f"{settings.reports_base_url.rstrip('/')}/overview.html",
    )


def notify_night(run_id: str, success: bool, failure: str = "", settings: Settings | None = None) -> Delivery:
    """Send the digest of a finished night (or its failure alert) on the configured channels."""
    settings = settings or get_settings()
    if not (settings.alert_email_to and settings.smtp_host) and not os.environ.get(WEBHOOK_URL_ENV):
        return Delivery()
    if not success:
        return deliver(failure_alert(run_id, failure, settings), settings)
    # the published night is what readers see after a good night (and never locks the writer)
    with open_reader(settings) as con:
        return deliver(night_digest(con, run_id, settings), settings)


def _step_failures(context: dg.RunFailureSensorContext) -> str:
    events = context.get_step_failure_events()
    if not events:
        return context.failure_event.message or "the run failed before any step"
    return "; ".join(f"{e.step_key}: {root_cause(e.event_specific_data.error)}" for e in events)


def root_cause(error) -> str:
    """The error a step raised, not Dagster's wrapper around it."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error.message.strip()[:300]


@dg.run_failure_sensor(
    name="nightly_failure_alert",
    monitored_jobs=[nightly_refresh],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Sends the failure of a nightly run by e-mail and webhook (settings alert_email_to, smtp_host, "
    "KINERJA_ALERT_WEBHOOK_URL).",
)
def nightly_failure_alert(context: dg.RunFailureSensorContext):
    done = notify_night(context.dagster_run.run_id, success=False, failure=_step_failures(context))
    for problem in done.problems:
        context.log.warning(problem)


@dg.run_status_sensor(
    name="nightly_digest",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[nightly_refresh],
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After each successful nightly run, sends what went red (off-target KPIs, high-severity findings, "
    "failed checks, quarantined rows) by e-mail and webhook.",
)
def nightly_digest(context: dg.RunStatusSensorContext):
    done = notify_night(context.dagster_run.run_id, success=True)
    for problem in done.problems:
        context.log.warning(problem)
