"""Integrity tests for the versioned reference data in assets/reference/data (Indonesian country profile).

Values are checked against docs/payroll_rules.md sections 2.1-2.10. Worked examples are computed from the CSV
files through small lookup helpers, so a wrong band, rate or date range in the data makes them fail.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

DATA = Path(__file__).parents[2] / "assets/reference/data"
COUNTRY = "ID"
INF = float("inf")

# Natural key of every effective-dated table: at most one row per key may hold on any given day.
EFFECTIVE_KEYS = {
    "pph21_ter_monthly": ["country", "category", "gross_lower_excl_idr"],
    "ptkp": ["country", "ptkp_status"],
    "pph21_pasal17": ["country", "pkp_lower_excl_idr"],
    "pph21_parameters": ["country", "parameter"],
    "bpjs_programs": ["country", "program"],
    "minimum_wages": ["country", "region_code", "level"],
    "overtime_multipliers": ["country", "scenario", "hour_from"],
    "labour_parameters": ["country", "parameter"],
}
COUNTRY_TABLES = [*EFFECTIVE_KEYS, "holidays"]


# ----------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------


def load(name: str) -> pd.DataFrame:
    """A reference CSV with every column as text; blanks stay '' (not NaN)."""
    return pd.read_csv(DATA / f"{name}.csv", dtype=str, keep_default_na=False)


def dates(values: pd.Series) -> pd.Series:
    """Strict ISO dates; blank -> NaT. Raises on anything that is not YYYY-MM-DD."""
    present = values[values != ""]
    malformed = present[~present.str.fullmatch(r"\d{4}-\d{2}-\d{2}")]
    if len(malformed):
        raise ValueError(f"not YYYY-MM-DD: {malformed.tolist()}")
    return pd.to_datetime(values.replace("", None), format="%Y-%m-%d", errors="raise")


def upper_bound(values: pd.Series) -> pd.Series:
    """Band upper bounds as numbers; a blank upper bound is open-ended (infinity)."""
    return values.map(lambda v: float(v) if v else INF)


def as_of(df: pd.DataFrame, day: str, country: str = COUNTRY) -> pd.DataFrame:
    """Rows of one country in force on `day`: effective_from <= day <= effective_to (blank = open-ended)."""
    d = pd.Timestamp(day)
    start, end = dates(df["effective_from"]), dates(df["effective_to"])
    return df[(df["country"] == country) & (start <= d) & (end.isna() | (end >= d))]


def overlapping_periods(df: pd.DataFrame, key: list[str]) -> list[str]:
    """Describe every pair of consecutive rows of the same key whose effective periods overlap."""
    problems = []
    frame = df.assign(period_start=dates(df["effective_from"]), period_end=dates(df["effective_to"]))
    for key_value, group in frame.groupby(key, sort=False):
        previous_end, previous_start = None, None
        for row in group.sort_values("period_start").itertuples():
            if previous_end is not None and row.period_start <= previous_end:
                problems.append(
                    f"{key_value}: {row.period_start.date()} starts before the period from {previous_start.date()} ends"
                )
            previous_start = row.period_start
            previous_end = row.period_end if pd.notna(row.period_end) else pd.Timestamp.max
    return problems


def parameter(table: str, name: str, day: str) -> str:
    rows = as_of(load(table), day)
    rows = rows[rows["parameter"] == name]
    assert len(rows) == 1, f"{table}.{name} on {day}: {len(rows)} rows"
    return rows.iloc[0]["value"]


def ter_category(ptkp_status: str, day: str) -> str:
    rows = as_of(load("ptkp"), day)
    rows = rows[rows["ptkp_status"] == ptkp_status]
    assert len(rows) == 1, f"PTKP {ptkp_status} on {day}: {len(rows)} rows"
    return rows.iloc[0]["ter_category"]


def ter_band(category: str, gross: float, day: str) -> pd.Series:
    """The single TER band with lower < gross <= upper."""
    bands = as_of(load("pph21_ter_monthly"), day)
    bands = bands[bands["category"] == category]
    lower = bands["gross_lower_excl_idr"].astype(float)
    upper = upper_bound(bands["gross_upper_incl_idr"])
    hit = bands[(lower < gross) & (gross <= upper)]
    assert len(hit) == 1, f"TER {category} gross {gross}: {len(hit)} bands"
    return hit.iloc[0]


def pasal17_tax(pkp: float, day: str) -> float:
    """Progressive Pasal 17 tax: each band taxes the part of PKP between its lower and upper bound."""
    bands = as_of(load("pph21_pasal17"), day)
    tax = 0.0
    for lower, upper, rate in zip(
        bands["pkp_lower_excl_idr"].astype(float),
        upper_bound(bands["pkp_upper_incl_idr"]),
        bands["rate_pct"].astype(float),
        strict=True,
    ):
        if pkp > lower:
            tax += (min(pkp, upper) - lower) * rate / 100
    return tax


def is_source_tag(text: str) -> bool:
    """Tags of docs/sources.md look like S19, S22b, S40c."""
    return len(text) > 1 and text[0] == "S" and text[1].isdigit()


def bpjs_program(program: str, day: str) -> pd.Series:
    rows = as_of(load("bpjs_programs"), day)
    rows = rows[rows["program"] == program]
    assert len(rows) == 1, f"BPJS {program} on {day}: {len(rows)} rows"
    return rows.iloc[0]


def overtime_pay(scenario: str, hours: int, hourly_wage: float, day: str) -> float:
    """Sum, hour by hour, of hourly wage x the multiplier of the band the overtime hour falls in."""
    bands = as_of(load("overtime_multipliers"), day)
    bands = bands[bands["scenario"] == scenario]
    pay = 0.0
    for hour in range(1, hours + 1):
        hit = bands[(bands["hour_from"].astype(int) <= hour) & (hour <= bands["hour_to"].astype(int))]
        assert len(hit) == 1, f"{scenario} overtime hour {hour}: {len(hit)} bands"
        pay += hourly_wage * float(hit.iloc[0]["multiplier"])
    return pay


# ----------------------------------------------------------------------------------------------------
# file format
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*COUNTRY_TABLES, "sources"])
def test_file_is_utf8_lf_and_rectangular(name):
    raw = (DATA / f"{name}.csv").read_bytes()
    text = raw.decode("utf-8")
    assert b"\r" not in raw
    assert text.endswith("\n")
    rows = list(csv.reader(text.splitlines()))
    assert len(rows) > 1
    widths = {len(r) for r in rows}
    assert widths == {len(rows[0])}, f"{name}: rows of widths {widths}"


@pytest.mark.parametrize("name", COUNTRY_TABLES)
def test_country_column_comes_first(name):
    df = load(name)
    assert df.columns[0] == "country"
    assert df["country"].str.fullmatch(r"[A-Z]{2}").all()
    assert (df["country"] == COUNTRY).any()


@pytest.mark.parametrize("name", COUNTRY_TABLES)
def test_dates_are_iso(name):
    df = load(name)
    date_columns = [c for c in ("effective_from", "effective_to", "holiday_date") if c in df.columns]
    assert date_columns
    for column in date_columns:
        dates(df[column])  # raises on anything that is not a real YYYY-MM-DD date


def test_every_effective_dated_file_has_a_natural_key():
    effective_dated = {
        p.stem for p in DATA.glob("*.csv") if "effective_from" in p.read_text("utf-8").splitlines()[0].split(",")
    }
    assert effective_dated == set(EFFECTIVE_KEYS)


@pytest.mark.parametrize("name", COUNTRY_TABLES)
def test_duckdb_reads_dates_and_amounts(name):
    """The warehouse loader casts these columns; every value must survive the cast."""
    path = DATA / f"{name}.csv"
    header = path.read_text("utf-8").splitlines()[0].split(",")
    wanted = {
        "effective_from": "DATE",
        "effective_to": "DATE",
        "holiday_date": "DATE",
        "min_wage_idr": "DECIMAL(14,2)",
    }
    types = {c: t for c, t in wanted.items() if c in header}
    with duckdb.connect() as con:
        count = con.execute(
            "select count(*) from read_csv(?, header = true, types = ?)", [str(path), types]
        ).fetchone()[0]
    assert count == len(load(name))


# ----------------------------------------------------------------------------------------------------
# effective dating
# ----------------------------------------------------------------------------------------------------


def test_overlap_helper_detects_overlap_and_accepts_adjacent_periods():
    frame = pd.DataFrame(
        {
            "k": ["a", "a", "b", "b"],
            "effective_from": ["2024-01-01", "2024-06-01", "2024-01-01", "2025-01-01"],
            "effective_to": ["2024-06-01", "", "2024-12-31", ""],
        }
    )
    assert len(overlapping_periods(frame, ["k"])) == 1
    assert overlapping_periods(frame[frame["k"] == "b"], ["k"]) == []


@pytest.mark.parametrize(("name", "key"), EFFECTIVE_KEYS.items())
def test_no_overlapping_effective_periods(name, key):
    assert overlapping_periods(load(name), key) == []


@pytest.mark.parametrize("name", EFFECTIVE_KEYS)
def test_effective_from_set_and_not_after_effective_to(name):
    df = load(name)
    start, end = dates(df["effective_from"]), dates(df["effective_to"])
    assert start.notna().all()
    assert (end.isna() | (start <= end)).all()


def test_jp_wage_cap_periods_are_contiguous():
    jp = load("bpjs_programs").query("program == 'JP'")
    jp = jp.assign(start=dates(jp["effective_from"]), end=dates(jp["effective_to"])).sort_values("start")
    assert len(jp) >= 2
    for before, after in zip(jp.iloc[:-1].itertuples(), jp.iloc[1:].itertuples(), strict=True):
        assert after.start == before.end + pd.Timedelta(days=1), f"gap or overlap after {before.end.date()}"
    assert pd.isna(jp.iloc[-1]["end"])


# ----------------------------------------------------------------------------------------------------
# PPh 21: PTKP, TER, Pasal 17, parameters
# ----------------------------------------------------------------------------------------------------


def test_row_counts():
    ter = load("pph21_ter_monthly")
    assert ter.groupby("category").size().to_dict() == {"A": 44, "B": 40, "C": 41}
    assert len(ter) == 125
    assert len(load("ptkp")) == 12
    assert len(load("pph21_pasal17")) == 5


@pytest.mark.parametrize(("category", "zero_rate_upper"), [("A", 5_400_000), ("B", 6_200_000), ("C", 6_600_000)])
def test_ter_bands_are_well_formed(category, zero_rate_upper):
    bands = load("pph21_ter_monthly").query("category == @category")
    lower = bands["gross_lower_excl_idr"].astype(float).tolist()
    upper = upper_bound(bands["gross_upper_incl_idr"]).tolist()
    rates = bands["rate_pct"].astype(float).tolist()

    assert lower[0] == 0
    assert upper[-1] == INF and INF not in upper[:-1]
    assert lower[1:] == upper[:-1], "each lower bound must be the previous band's upper bound"
    assert all(a < b for a, b in zip(upper, upper[1:], strict=False)), "upper bounds must strictly increase"
    assert all(a <= b for a, b in zip(rates, rates[1:], strict=False)), "rates must not decrease"
    assert rates[0] == 0 and max(rates) == rates[-1] == 34
    assert upper[0] == zero_rate_upper
    assert set(bands["legal_basis"]) == {f"PP 58/2023 Lampiran {category}"}


def test_ter_worked_example_tk0_gross_10m():
    gross = 10_000_000
    category = ter_category("TK/0", "2024-06-15")
    band = ter_band(category, gross, "2024-06-15")
    assert category == "A"
    assert (float(band["gross_lower_excl_idr"]), float(band["gross_upper_incl_idr"])) == (
        9_650_000,
        10_050_000,
    )
    assert float(band["rate_pct"]) == 2
    assert gross * float(band["rate_pct"]) / 100 == 200_000


def test_ter_category_b_first_band_is_zero_up_to_6_2m():
    band = ter_band("B", 6_200_000, "2024-06-15")
    assert (float(band["gross_lower_excl_idr"]), float(band["rate_pct"])) == (0, 0)
    assert float(ter_band("B", 6_200_001, "2024-06-15")["rate_pct"]) > 0


@pytest.mark.parametrize(
    ("ptkp_status", "category"),
    [
        ("TK/0", "A"),
        ("TK/1", "A"),
        ("K/0", "A"),
        ("TK/2", "B"),
        ("TK/3", "B"),
        ("K/1", "B"),
        ("K/2", "B"),
        ("K/3", "C"),
        ("K/I/0", ""),
        ("K/I/3", ""),
    ],
)
def test_ptkp_status_maps_to_ter_category(ptkp_status, category):
    assert ter_category(ptkp_status, "2024-06-15") == category


def test_ptkp_amounts_follow_the_components():
    """Self Rp54m, married +4.5m, each dependant +4.5m, K/I adds the wife's Rp54m."""
    ptkp = load("ptkp").set_index("ptkp_status")["ptkp_annual_idr"].astype(int)
    for dependants in range(4):
        assert ptkp[f"TK/{dependants}"] == 54_000_000 + dependants * 4_500_000
        assert ptkp[f"K/{dependants}"] == 54_000_000 + 4_500_000 + dependants * 4_500_000
        assert ptkp[f"K/I/{dependants}"] == ptkp[f"K/{dependants}"] + 54_000_000


def test_pasal17_tax_on_pkp_300m():
    expected = 60_000_000 * 5 / 100 + 190_000_000 * 15 / 100 + 50_000_000 * 25 / 100
    assert expected == 3_000_000 + 28_500_000 + 12_500_000 == 44_000_000
    assert pasal17_tax(300_000_000, "2024-12-31") == expected


def test_pasal17_bands_are_contiguous_and_open_ended():
    bands = load("pph21_pasal17")
    lower = bands["pkp_lower_excl_idr"].astype(float).tolist()
    upper = upper_bound(bands["pkp_upper_incl_idr"]).tolist()
    assert lower[0] == 0 and upper[-1] == INF
    assert lower[1:] == upper[:-1]
    assert bands["rate_pct"].astype(float).tolist() == [5, 15, 25, 30, 35]


@pytest.mark.parametrize(
    ("day", "method"), [("2023-12-31", "ANNUALISED"), ("2024-01-01", "TER"), ("2026-06-30", "TER")]
)
def test_monthly_method_switches_to_ter_in_2024(day, method):
    assert parameter("pph21_parameters", "monthly_method", day) == method


# ----------------------------------------------------------------------------------------------------
# BPJS
# ----------------------------------------------------------------------------------------------------


def test_bpjs_kesehatan_employee_share_is_capped_at_12m():
    kes = bpjs_program("BPJS_KESEHATAN", "2026-01-31")
    wage, cap = 15_000_000, float(kes["wage_cap_idr"])
    assert cap == 12_000_000
    assert min(wage, cap) * float(kes["employee_pct"]) / 100 == 120_000


def test_only_bpjs_kesehatan_has_a_wage_floor():
    bpjs = load("bpjs_programs")
    floors = dict(zip(bpjs["program"], bpjs["wage_floor"], strict=False))
    assert floors.pop("BPJS_KESEHATAN") == "regional_minimum_wage"
    assert set(floors.values()) == {""}


@pytest.mark.parametrize(
    ("day", "cap"),
    [
        ("2022-06-30", 9_077_600),
        ("2024-02-29", 9_559_600),
        ("2024-06-15", 10_042_300),
        ("2026-02-28", 10_547_400),
        ("2026-03-01", 11_086_300),
    ],
)
def test_jp_wage_cap_on_date(day, cap):
    assert float(bpjs_program("JP", day)["wage_cap_idr"]) == cap


# ----------------------------------------------------------------------------------------------------
# minimum wages, overtime, labour parameters
# ----------------------------------------------------------------------------------------------------


# Per year: how many regions the profile carries (UMP provinces, UMK cities and regencies) and the governor's decree
# each one's amount comes from (the number where a report of the decree gives it; sources.csv has the reports).
MINIMUM_WAGE_DECREES = {
    "2023": {
        "ID-JK": "Kepgub DKI Jakarta 1153/2022",  # S64
        "ID-JB": "Kepgub Jawa Barat",  # S66 (number not confirmed)
        "ID-JB-KOTA-BEKASI": "Kepgub Jawa Barat 561.7/Kep.776-Kesra/2022",  # S68
        "ID-JB-KAB-BEKASI": "Kepgub Jawa Barat 561.7/Kep.776-Kesra/2022",
        "ID-JB-KAB-KARAWANG": "Kepgub Jawa Barat 561.7/Kep.776-Kesra/2022",
        "ID-JI": "Kepgub Jawa Timur 188/860/KPTS/013/2022",  # S70
        "ID-JI-KOTA-SURABAYA": "Kepgub Jawa Timur 188/889/KPTS/013/2022",  # S71
        "ID-BA": "Kepgub Bali",  # number not confirmed
    },
    "2024": {
        "ID-JK": "Kepgub DKI Jakarta 818/2023",  # S65
        "ID-JB": "Kepgub Jawa Barat",  # S67 (number not confirmed)
        "ID-JB-KOTA-BEKASI": "Kepgub Jawa Barat 561.7/Kep.804-Kesra/2023",  # S69
        "ID-JB-KAB-BEKASI": "Kepgub Jawa Barat 561.7/Kep.804-Kesra/2023",
        "ID-JB-KAB-KARAWANG": "Kepgub Jawa Barat 561.7/Kep.804-Kesra/2023",
        "ID-JI": "Kepgub Jawa Timur",  # number not confirmed
        "ID-JI-KOTA-SURABAYA": "Kepgub Jawa Timur",
        "ID-BA": "Kepgub Bali",
    },
    "2025": {  # Permenaker 16/2024 (+6.5%) [S37][S37b]
        "ID-JK": "Permenaker 16/2024", "ID-JB": "Permenaker 16/2024", "ID-JB-KOTA-BEKASI": "Permenaker 16/2024",
        "ID-JB-KAB-BEKASI": "Permenaker 16/2024", "ID-JB-KAB-KARAWANG": "Permenaker 16/2024",
        "ID-JI": "Permenaker 16/2024", "ID-JI-KOTA-SURABAYA": "Permenaker 16/2024", "ID-BA": "Permenaker 16/2024",
    },
    "2026": {  # PP 49/2025; UMK decrees per docs/payroll_rules.md 2.8 [S39][S40b][S41b]
        "ID-JK": "PP 49/2025", "ID-JB": "PP 49/2025",
        "ID-JB-KOTA-BEKASI": "Kepgub Jawa Barat 561/Kep.862-Kesra/2025",
        "ID-JB-KAB-BEKASI": "Kepgub Jawa Barat 561/Kep.862-Kesra/2025",
        "ID-JB-KAB-KARAWANG": "Kepgub Jawa Barat 561/Kep.862-Kesra/2025",
        "ID-JI": "PP 49/2025", "ID-JI-KOTA-SURABAYA": "Kepgub Jawa Timur 100.3.3.1/937/013/2025",
        "ID-BA": "PP 49/2025", "ID-BA-KOTA-DENPASAR": "Kepgub Bali 1021/03-M/HK/2025",
        "ID-BA-KAB-BADUNG": "Kepgub Bali 1021/03-M/HK/2025",
    },
}  # fmt: skip


@pytest.mark.parametrize(("year", "decrees"), MINIMUM_WAGE_DECREES.items())
def test_minimum_wages_per_year_match_the_decrees(year, decrees):
    mw = load("minimum_wages").query("year == @year")
    assert len(mw) == len(decrees), f"{year}: {len(mw)} rows for {len(decrees)} regions"
    got = dict(zip(mw["region_code"], mw["source"], strict=True))
    assert set(got) == set(decrees)
    for region, decree in decrees.items():
        assert decree in got[region], f"{year} {region}: {got[region]!r} does not cite {decree!r}"
    levels = mw.groupby("level").size().to_dict()
    assert levels == {"UMP": 4, "UMK": len(decrees) - 4}


@pytest.mark.parametrize(
    ("region", "year", "amount"),
    [  # the decrees' own amounts, cents included [S68][S70][S71]
        ("ID-JB-KOTA-BEKASI", "2023", 5_158_248.20),
        ("ID-JB-KAB-BEKASI", "2023", 5_137_575.44),
        ("ID-JB-KAB-KARAWANG", "2023", 5_176_179.07),
        ("ID-JI", "2023", 2_040_244.30),
        ("ID-JI-KOTA-SURABAYA", "2023", 4_525_479.19),
        ("ID-JB-KOTA-BEKASI", "2024", 5_343_430),
    ],
)
def test_minimum_wage_amounts_as_decreed(region, year, amount):
    row = load("minimum_wages").query("region_code == @region and year == @year")
    assert float(row.iloc[0]["min_wage_idr"]) == amount


def test_minimum_wage_rows_cover_their_calendar_year():
    mw = load("minimum_wages")
    assert (mw["effective_from"] == mw["year"] + "-01-01").all()
    assert (mw["effective_to"] == mw["year"] + "-12-31").all()
    assert set(mw["level"]) <= {"UMP", "UMK"}


@pytest.mark.parametrize(
    ("region", "day", "amount"),
    [
        ("ID-JK", "2026-06-30", 5_729_876),
        ("ID-JK", "2023-06-30", 4_901_798),
        ("ID-JI", "2026-01-01", 2_446_880.68),
    ],
)
def test_minimum_wage_on_date(region, day, amount):
    rows = as_of(load("minimum_wages"), day).query("region_code == @region")
    assert len(rows) == 1
    assert float(rows.iloc[0]["min_wage_idr"]) == amount


def test_workday_overtime_four_hours():
    hourly = 100_000
    expected = 1 * 1.5 * hourly + 3 * 2.0 * hourly
    assert expected == 150_000 + 3 * 200_000 == 750_000
    assert overtime_pay("workday", 4, hourly, "2026-01-31") == expected


def test_overtime_hour_bands_start_at_one_and_have_no_gaps():
    ot = load("overtime_multipliers")
    for scenario, bands in ot.groupby("scenario"):
        start = bands["hour_from"].astype(int).tolist()
        end = bands["hour_to"].astype(int).tolist()
        assert start[0] == 1, scenario
        assert start[1:] == [e + 1 for e in end[:-1]], scenario
        assert all(s <= e for s, e in zip(start, end, strict=True)), scenario


def test_workday_overtime_table_matches_the_daily_limit():
    workday = load("overtime_multipliers").query("scenario == 'workday'")
    assert workday["hour_to"].astype(int).max() == int(
        parameter("labour_parameters", "overtime_max_hours_day", "2026-01-31")
    )


#: PPh 21 and labour-law parameters in force on 31 January 2026, by (table, parameter).
IN_2026 = {
    ("pph21_parameters", "biaya_jabatan_pct"): 5,
    ("pph21_parameters", "biaya_jabatan_annual_cap_idr"): 6_000_000,
    ("pph21_parameters", "biaya_jabatan_monthly_cap_idr"): 500_000,
    ("pph21_parameters", "jht_employee_deductible_pct"): 2,
    ("pph21_parameters", "jp_employee_deductible_pct"): 1,
    ("pph21_parameters", "pkp_rounding_down_idr"): 1_000,
    ("pph21_parameters", "no_npwp_surcharge_pct"): 20,
    ("pph21_parameters", "daily_ter_zero_max_idr"): 450_000,
    ("pph21_parameters", "daily_ter_rate_pct"): 0.5,
    ("pph21_parameters", "daily_ter_upper_idr"): 2_500_000,
    ("labour_parameters", "overtime_hourly_divisor"): 173,
    ("labour_parameters", "overtime_max_hours_week"): 18,
    ("labour_parameters", "normal_hours_week"): 40,
    ("labour_parameters", "daily_wage_multiplier_5day"): 21,
    ("labour_parameters", "daily_wage_multiplier_6day"): 25,
    ("labour_parameters", "thr_deadline_days_before_holiday"): 7,
    ("labour_parameters", "annual_leave_days"): 12,
    ("labour_parameters", "pkwt_max_years"): 5,
    ("labour_parameters", "minimum_wage_max_service_months"): 12,
}


@pytest.mark.parametrize(("table", "name"), IN_2026)
def test_pph21_and_labour_parameters_in_2026(table, name):
    assert float(parameter(table, name, "2026-01-31")) == IN_2026[table, name]


# ----------------------------------------------------------------------------------------------------
# holidays
# ----------------------------------------------------------------------------------------------------


def test_holiday_year_matches_date_and_dates_are_unique():
    hol = load("holidays")
    assert (dates(hol["holiday_date"]).dt.year.astype(str) == hol["year"]).all()
    assert not hol["holiday_date"].duplicated().any()
    assert set(hol["kind"]) == {"public_holiday", "collective_leave"}
    assert set(hol["is_thr_reference"]) == {"true", "false"}


# Per year: public holidays, collective-leave days, and the decree (SKB 3 Menteri) that states them, with its
# amendments. 2023: SKB 1066/2022 set 16 + 8; SKB 327/2023 moved the Idul Fitri collective leave from 21, 24-26 April
# to 19-21, 24-25 April (+1); SKB 624/2023 added 28 and 30 June around Idul Adha (+2): 16 + 11. [S59][S60][S61]
HOLIDAY_DECREES = {
    "2023": (16, 11, ["SKB 1066/2022", "SKB 327/2023", "SKB 624/2023"]),  # S59, S60, S61
    "2024": (17, 10, ["SKB 855/2023"]),  # S62: 27 days, 17 + 10
    "2025": (17, 10, ["SKB 1017/2024"]),  # S63: 27 days, 17 + 10
    "2026": (17, 8, ["SKB 1497/2025"]),  # S42, docs/payroll_rules.md 2.10: 17 + 8
}


@pytest.mark.parametrize(("year", "public", "collective", "decrees"),
                         [(y, *v) for y, v in HOLIDAY_DECREES.items()])  # fmt: skip
def test_holidays_per_year_match_the_decree_counts(year, public, collective, decrees):
    hol = load("holidays").query("year == @year")
    assert hol.groupby("kind")["holiday_date"].nunique().to_dict() == {
        "public_holiday": public,
        "collective_leave": collective,
    }
    cited = {d for value in hol["source"] for d in decrees if d in value}
    assert cited == set(decrees), f"{year}: rows cite {sorted(cited)}, the decrees are {decrees}"
    assert all(any(d in value for d in decrees) for value in hol["source"]), f"{year}: a row cites another decree"


def test_idul_adha_2023_collective_leave_per_the_june_2023_amendment():
    june = load("holidays").query("holiday_date in ['2023-06-28', '2023-06-29', '2023-06-30']")
    assert june[["holiday_date", "kind"]].values.tolist() == [
        ["2023-06-28", "collective_leave"],
        ["2023-06-29", "public_holiday"],
        ["2023-06-30", "collective_leave"],
    ]
    assert all("SKB 624/2023" in s for s in june.query("kind == 'collective_leave'")["source"])


@pytest.mark.parametrize(
    ("year", "idul_fitri"),
    [("2023", "2023-04-22"), ("2024", "2024-04-10"), ("2025", "2025-03-31"), ("2026", "2026-03-21")],
)
def test_one_thr_reference_per_year_on_first_day_of_idul_fitri(year, idul_fitri):
    thr = load("holidays").query("year == @year and is_thr_reference == 'true'")
    assert thr["holiday_date"].tolist() == [idul_fitri]
    assert thr.iloc[0]["kind"] == "public_holiday"
    assert "Idul Fitri" in thr.iloc[0]["holiday_name"]


def test_thr_deadline_2026_is_h_minus_7():
    thr = load("holidays").query("year == '2026' and is_thr_reference == 'true'")
    thr_day = pd.Timestamp(thr.iloc[0]["holiday_date"])
    days_before = int(parameter("labour_parameters", "thr_deadline_days_before_holiday", "2026-03-01"))
    assert thr_day - pd.Timedelta(days=days_before) == pd.Timestamp("2026-03-14")


# ----------------------------------------------------------------------------------------------------
# sources
# ----------------------------------------------------------------------------------------------------


def test_every_table_cites_a_source_and_sources_name_real_tables():
    sources = load("sources")
    assert set(sources["table_name"]) == set(COUNTRY_TABLES)
    assert not sources.duplicated(["table_name", "source_tag"]).any()


# The legal instrument each table's rows rest on: a regulation (PP, PMK, Perpres, UU, Permenaker), a decree (SKB 3
# Menteri, Keputusan Gubernur) or a BPJS letter; never "common practice" or a bare list.
LEGAL_INSTRUMENT = r"\b(?:PP|PMK|Perpres|UU|Permenaker|SKB|Kepgub|BPJS (?:circular|letter))\b"


@pytest.mark.parametrize("name", COUNTRY_TABLES)
def test_every_reference_row_carries_its_legal_source(name):
    df = load(name)
    column = "legal_basis" if "legal_basis" in df.columns else "source"
    assert column in df.columns
    missing = df[~df[column].str.contains(LEGAL_INSTRUMENT, regex=True)]
    assert missing.empty, f"{name}: rows without a legal source: {missing[column].unique().tolist()}"


def test_minimum_wage_and_holiday_source_tags_are_listed():
    sources = load("sources")
    for table, column in [("minimum_wages", "source"), ("holidays", "source")]:
        listed = set(sources.query("table_name == @table")["source_tag"])
        rows = load(table)
        words = {word for value in rows[column] for word in value.split(" ")[0].split("/")}
        cited = {word for word in words if is_source_tag(word)}
        assert cited and cited <= listed, f"{table}: {sorted(cited - listed)} not in sources.csv"
        if rows["status"].str.startswith("CHECK").any():
            assert "CHECK" in listed, f"{table} has CHECK rows but no CHECK row in sources.csv"
