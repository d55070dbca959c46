"""Settings of one demo-company generation run (sizes, seed, output folders, planted anomalies)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path

#: Planted anomaly types of the HR and payroll generator with their default counts (kept rare so the
#: KPIs stay realistic). Finance anomaly types are planted by ``generator.finance`` and may be added to
#: ``GeneratorConfig.anomalies`` too; this module does not restrict the names.
DEFAULT_ANOMALIES: dict[str, int] = {
    "ghost_employee": 1,
    "paid_after_termination": 2,
    "below_minimum_wage": 2,
    "shared_bank_account": 1,
    "missing_tax_id": 2,
    "duplicate_tax_id": 1,
    "salary_outside_band": 2,
    "overtime_over_daily_limit": 3,
    "overtime_over_weekly_limit": 2,
    "overtime_outlier": 1,
    "bpjs_wrong_base": 1,
    "pph21_wrong": 2,
    "pkwt_over_5_years": 1,
    "expired_contract_active": 1,
    "thr_late": 1,
    "thr_short": 2,
    "annual_leave_not_granted": 1,
}


def last_full_month(today: dt.date | None = None) -> str:
    """The last full calendar month before ``today`` as 'YYYY-MM'."""
    today = today or dt.date.today()
    first = today.replace(day=1)
    prev = first - dt.timedelta(days=1)
    return f"{prev.year:04d}-{prev.month:02d}"


@dataclass
class GeneratorConfig:
    """What to generate. ``end_period`` None means the last full calendar month before today."""

    employees: int = 400
    months: int = 36
    end_period: str | None = None
    seed: int = 42
    landing_dir: Path = Path("data/landing")
    answer_key_dir: Path = Path("data/answer_key")
    #: 5 (Monday-Friday) or 6 (Monday-Saturday); None takes work_week_days of the platform settings
    #: (config/kinerja.yaml, KINERJA_WORK_WEEK_DAYS), so the demo company works the week the warehouse expects
    work_week_days: int | None = None
    #: share of transfers effective on a working day after the 1st (up to the pay date) instead of on the 1st
    mid_month_transfer_share: float = 0.0
    anomalies: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_ANOMALIES))
    company_name: str = "PT Kinerja Contoh"
    jkk_program: str = "JKK_RISK_I_VERY_LOW"
    show_progress: bool = True

    def __post_init__(self) -> None:
        self.landing_dir = Path(self.landing_dir)
        self.answer_key_dir = Path(self.answer_key_dir)
        if self.employees < 20:
            raise ValueError("employees must be at least 20 (one head per department plus staff)")
        if self.months < 1:
            raise ValueError("months must be at least 1")
        if self.work_week_days is None:
            from pipelines.settings import get_settings

            self.work_week_days = get_settings().work_week_days
        if self.work_week_days not in (5, 6):
            raise ValueError("work_week_days must be 5 or 6")
        if not 0.0 <= self.mid_month_transfer_share <= 1.0:
            raise ValueError("mid_month_transfer_share must be between 0 and 1")
        if self.end_period is None:
            self.end_period = last_full_month()
        dt.date.fromisoformat(f"{self.end_period}-01")  # validates 'YYYY-MM'
        merged = dict(DEFAULT_ANOMALIES)
        merged.update(self.anomalies or {})
        self.anomalies = {k: int(v) for k, v in merged.items()}

    def anomaly_count(self, anomaly_type: str, default: int = 0) -> int:
        return int(self.anomalies.get(anomaly_type, default))

    def to_json(self) -> dict:
        data = asdict(self)
        data["landing_dir"] = str(self.landing_dir)
        data["answer_key_dir"] = str(self.answer_key_dir)
        return data
