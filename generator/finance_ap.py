"""AP invoices of the demo company: the clean invoice flow, the clean-up that keeps the duplicate and split
tests quiet on clean data, and the planted AP anomalies (recorded in the ``plant`` / ``note`` columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.finance_calendar import WorkCalendar, iso
from generator.finance_vendors import CATEGORIES, CLERKS

APPROVAL_LIMIT_IDR = 50_000_000
DIRECTOR_LIMIT_IDR = 1_000_000_000
PAYMENT_TERMS_DAYS = 30
LATE_SHARE = 0.10
# Clean data keeps a margin over the controls' usual parameters (30 days / 5 %, 7 days).
NEAR_WINDOW_DAYS, NEAR_TOLERANCE = 31, 0.06
SPLIT_WINDOW_DAYS = 8
#: domain of the department that usually orders from a vendor category (else spread by payroll size)
CATEGORY_DOMAINS = {"it": ("it",), "marketing": ("sales",), "professional_fees": ("legal", "finance"),
                    "training": ("hr",), "facilities": ("operations",)}  # fmt: skip
NAT = np.datetime64("NaT", "D")


def invoices_per_month(employees: int) -> float:
    return max(30.0, 0.375 * employees)


def approver_for(rng: np.random.Generator, amount: np.ndarray) -> np.ndarray:
    """Fixed approval matrix: AP supervisor (or controller) below the limit, manager above, director ≥ 1bn."""
    below = np.where(rng.random(len(amount)) < 0.8, "U004", "U003")
    return np.where(amount >= DIRECTOR_LIMIT_IDR, "U001", np.where(amount >= APPROVAL_LIMIT_IDR, "U002", below))


def date_chain(
    rng: np.random.Generator, cal: WorkCalendar, invoice_date: np.ndarray, late_share: float = LATE_SHARE
) -> dict[str, np.ndarray]:
    n = len(invoice_date)
    received = cal.on_or_after(invoice_date + rng.integers(0, 6, n))
    approved = cal.on_or_after(received + rng.integers(1, 11, n))
    due = invoice_date + PAYMENT_TERMS_DAYS
    span = np.maximum((due - approved).astype(np.int64), 1)
    on_time = cal.on_or_before(approved + 1 + (rng.random(n) * span).astype(np.int64))
    on_time = np.where(on_time <= approved, cal.shift(approved, 1), on_time)
    late = cal.on_or_after(due + rng.integers(1, 26, n))
    paid = np.where(rng.random(n) < late_share, late, on_time)
    return {"received": received, "approved": approved, "due": due, "paid": paid}


def _conflicts(vendor: np.ndarray, day: np.ndarray, amount: np.ndarray) -> np.ndarray:
    """Rows (the later of a pair) that a near-duplicate or split-invoice test could flag."""
    flag = np.zeros(len(vendor), dtype=bool)
    o = np.lexsort((day, amount, vendor))
    v, a, d = vendor[o], amount[o], day[o]
    for k in range(1, len(v)):
        close = (v[k:] == v[:-k]) & (a[k:] - a[:-k] <= NEAR_TOLERANCE * a[:-k])
        if not close.any():
            break
        flag[o[k:][close & (np.abs(d[k:] - d[:-k]) <= NEAR_WINDOW_DAYS)]] = True
    o = np.lexsort((amount, day, vendor))
    v, a, d = vendor[o], amount[o], day[o]
    lim = APPROVAL_LIMIT_IDR
    for k in range(1, len(v)):
        near = (v[k:] == v[:-k]) & (d[k:] - d[:-k] <= SPLIT_WINDOW_DAYS)
        if not near.any():
            break
        flag[o[k:][near & (a[k:] < lim) & (a[:-k] < lim) & (a[k:] + a[:-k] > lim)]] = True
    return flag


def _split_groups(
    vendor: np.ndarray, day: np.ndarray, amount: np.ndarray, window: int = SPLIT_WINDOW_DAYS
) -> np.ndarray:
    """Rows to move so that no split-purchase test can flag clean data: for every group of two or more invoices of
    one vendor below the limit, within ``window`` days of the group's first one and together above the limit, the
    largest invoice after the first (a pair is the case ``_conflicts`` already covers; this finds 3 and more)."""
    flag = np.zeros(len(vendor), dtype=bool)
    lim = APPROVAL_LIMIT_IDR
    rows = np.flatnonzero(amount < lim)
    if len(rows) < 2:
        return flag
    rows = rows[np.lexsort((amount[rows], day[rows], vendor[rows]))]
    key = vendor[rows].astype(np.int64) * 10_000_000 + day[rows].astype(np.int64)
    total = np.concatenate([[0], np.cumsum(amount[rows])])
    start = np.searchsorted(key, key, side="left")  # same-day invoices count whichever comes first
    stop = np.searchsorted(key, key + window, side="right")
    over = np.flatnonzero((stop - start >= 2) & (total[stop] - total[start] > lim))
    for i in over:
        later = rows[start[i] : stop[i]]
        later = later[later != rows[i]]  # a group has two invoices or more: one besides the anchor at least
        flag[later[np.argmax(amount[later])]] = True
    return flag


def separate_split_groups(
    rng: np.random.Generator,
    vendor: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray,
    cat: np.ndarray,
    old_by_cat: dict[str, np.ndarray],
    fallback: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Second clean-up pass (its own random stream, so data with nothing to separate is drawn exactly as before):
    move an invoice of each would-be split group to another established vendor of its category, then nudge the
    stubborn ones down, until neither the pairwise tests nor the group test flag anything and amounts stay
    unique and never whole millions."""
    vendor, amount = vendor.copy(), amount.copy()
    for round_no in range(500):
        flag = _split_groups(vendor, day, amount)
        if not flag.any():
            flag = _conflicts(vendor, day, amount)
        if not flag.any():
            tidy = _tidy_amounts(rng, amount)
            if (tidy == amount).all():
                return vendor, amount
            amount = tidy
            continue
        for c in np.unique(cat[flag]):
            rows = np.flatnonzero(flag & (cat == c))
            pool = old_by_cat.get(c, fallback)
            if round_no < 20 and len(pool) > 1:
                vendor[rows] = rng.choice(pool, size=len(rows))
            else:
                amount[rows] = np.maximum((amount[rows] * rng.uniform(0.3, 0.8, len(rows))).astype(np.int64), 25_000)
    raise RuntimeError("could not separate split-like invoice groups")


def _tidy_amounts(rng: np.random.Generator, amount: np.ndarray) -> np.ndarray:
    """Amounts are never whole millions and never repeat exactly (either would look like a planted case)."""
    amount = amount.copy()
    for _ in range(20):
        _, first, counts = np.unique(amount, return_index=True, return_counts=True)
        repeated = np.ones(len(amount), dtype=bool)
        repeated[first] = False
        bad = repeated | (amount % 1_000_000 == 0)
        if not bad.any():
            break
        amount[bad] += rng.integers(1, 1000, bad.sum())
    return amount


DeptProbs = dict[str, tuple[np.ndarray, np.ndarray]]


def clean_invoices(
    rng: np.random.Generator,
    cal: WorkCalendar,
    periods: list[str],
    employees: int,
    vendors: pd.DataFrame,
    dept_probs: DeptProbs,
    group_rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """Ordinary invoices: log-normal amounts per category, working-day dates, approvals and payments. No two
    invoices look like a near duplicate, and no group of a vendor's invoices looks like a split purchase
    (``group_rng`` draws the second clean-up pass)."""
    lam = invoices_per_month(employees)
    counts = rng.poisson(lam, len(periods))
    inv_date = np.concatenate([rng.choice(cal.working_days(p), size=k) for p, k in zip(periods, counts, strict=True)])
    n = len(inv_date)
    active = vendors[vendors["weight"] > 0]
    old = active[active["is_old"]]
    vendor = rng.choice(active["idx"].to_numpy(), size=n, p=(active["weight"] / active["weight"].sum()).to_numpy())
    created = vendors["created"].to_numpy().astype("datetime64[D]")
    too_early = created[vendor] > inv_date
    vendor[too_early] = rng.choice(
        old["idx"].to_numpy(), size=too_early.sum(), p=(old["weight"] / old["weight"].sum()).to_numpy()
    )
    cat = vendors["category"].to_numpy()[vendor]
    median = pd.Series(cat).map({c: spec[1] for c, spec in CATEGORIES.items()}).to_numpy(dtype=float)
    sd = pd.Series(cat).map({c: spec[2] for c, spec in CATEGORIES.items()}).to_numpy(dtype=float)
    amount = np.maximum(np.rint(rng.lognormal(np.log(median), sd)), 25_000).astype(np.int64)
    amount = np.minimum(amount, 4_900_000_000)
    # Move look-alike pairs to another established vendor of the same category (keeps the amount
    # distribution intact), then nudge the amounts of the stubborn ones up or down.
    old_by_cat = {c: g["idx"].to_numpy() for c, g in old.groupby("category")}
    day = inv_date.astype(np.int64)
    touched = np.ones(len(vendors), dtype=bool)  # only vendors whose invoices changed need a re-check
    for round_no in range(500):
        rows = np.flatnonzero(touched[vendor])
        flag = np.zeros(n, dtype=bool)
        flag[rows[_conflicts(vendor[rows], day[rows], amount[rows])]] = True
        touched[:] = False
        if not flag.any():
            tidy = _tidy_amounts(rng, amount)
            changed = tidy != amount
            if not changed.any():
                break
            amount = tidy
            touched[vendor[changed]] = True
            continue
        touched[vendor[flag]] = True
        for c in np.unique(cat[flag]):
            rows = np.flatnonzero(flag & (cat == c))
            pool = old_by_cat.get(c, old["idx"].to_numpy())
            if round_no < 8 and len(pool) > 1:
                vendor[rows] = rng.choice(pool, size=len(rows))
            else:
                step = np.exp(rng.choice([-1.0, 1.0], len(rows)) * rng.uniform(0.1, 0.8, len(rows)))
                amount[rows] = np.clip((amount[rows] * step).astype(np.int64), 25_000, 4_900_000_000)
        touched[vendor[flag]] = True
    else:
        raise RuntimeError("could not separate look-alike invoices")
    vendor, amount = separate_split_groups(
        group_rng or np.random.default_rng(0), vendor, day, amount, cat, old_by_cat, old["idx"].to_numpy()
    )
    acct_table = {c: np.array(spec[3]) for c, spec in CATEGORIES.items()}
    other = np.empty(n, dtype=object)
    pick = rng.integers(0, 6, n)
    for c, accts in acct_table.items():
        rows = cat == c
        other[rows] = accts[pick[rows] % len(accts)]
    accounts = vendors["account"].to_numpy()[vendor]
    account = np.where(rng.random(n) < 0.8, accounts, other)
    dept = np.empty(n, dtype=object)
    for c in np.unique(cat):
        ids, probs = dept_probs[c]
        rows = np.flatnonzero(cat == c)
        dept[rows] = rng.choice(ids, size=len(rows), p=probs)
    clerk = np.where(rng.random(n) < 0.75, vendors["clerk"].to_numpy()[vendor], CLERKS[rng.integers(0, 4, n)])
    chain = date_chain(rng, cal, inv_date)
    return frame(vendor, inv_date, chain, amount, dept, account, clerk, approver_for(rng, amount))


def frame(
    vendor,
    inv_date,
    chain,
    amount,
    dept,
    account,
    clerk,
    approver,  # noqa: ANN001
    plant="",
    note="",
    dup_of=-1,
    orig=-1,
) -> pd.DataFrame:
    """Invoice rows; ``dup_of`` = row whose invoice number is copied, ``orig`` = row a planted copy imitates."""
    return pd.DataFrame(
        {
            "vendor": vendor,
            "invoice_date": inv_date,
            **chain,
            "amount": np.asarray(amount, dtype=np.int64),
            "department_id": dept,
            "account_code": account,
            "created_by": clerk,
            "approved_by": approver,
            "plant": plant,
            "note": note,
            "dup_of": dup_of,
            "orig": orig,
        }
    )


def dept_probabilities(departments: pd.DataFrame, gross_share: pd.Series) -> DeptProbs:
    """Which department orders from a vendor category: payroll-size weights, leaning to the matching domain."""
    ids = departments["department_id"].astype(str).to_numpy()
    base = gross_share.reindex(ids).fillna(0).to_numpy(dtype=float) + 0.02
    base = base / base.sum()
    domains = departments["domain"].astype(str).to_numpy()
    out = {}
    for c in CATEGORIES:
        match = np.isin(domains, CATEGORY_DOMAINS.get(c, ()))
        p = base.copy()
        if match.any():
            p = 0.4 * p + 0.6 * match / match.sum()
        out[c] = (ids, p / p.sum())
    return out


def D(series: pd.Series) -> np.ndarray:  # noqa: N802
    return series.to_numpy().astype("datetime64[D]")


def finalise(inv: pd.DataFrame, vendors: pd.DataFrame, cal: WorkCalendar, rng: np.random.Generator) -> pd.DataFrame:
    """Drop what is not yet received at the extract date, blank what happens after it, assign ids/numbers."""
    inv = inv[D(inv["received"]) <= cal.end].copy()
    inv["tmp"] = inv.index
    late_approval = D(inv["approved"]) > cal.end
    inv.loc[late_approval, "approved"] = NAT
    inv.loc[late_approval, "approved_by"] = ""
    inv.loc[late_approval | (D(inv["paid"]) > cal.end), "paid"] = NAT
    inv = inv.sort_values(["invoice_date", "received", "vendor", "amount", "tmp"], kind="stable").reset_index(drop=True)
    inv["invoice_id"] = [f"INV-{i + 1:07d}" for i in range(len(inv))]
    own = inv[inv["dup_of"] < 0]
    seq = own.groupby("vendor").cumcount().to_numpy() + rng.integers(1, 900, len(vendors))[own["vendor"].to_numpy()]
    year = pd.Series(iso(D(own["invoice_date"]))).str[:4].to_numpy()
    fmt = own["vendor"].to_numpy() % 3
    initials = vendors["vendor_name"].str.split().apply(lambda w: "".join(x[0] for x in w[1:4]).upper()).to_numpy()
    numbers = np.where(
        fmt == 0,
        [f"INV/{y}/{s:05d}" for y, s in zip(year, seq, strict=True)],
        np.where(
            fmt == 1,
            [f"{i}-{y}-{s:04d}" for i, y, s in zip(initials[own["vendor"].to_numpy()], year, seq, strict=True)],
            [f"{s:07d}" for s in seq],
        ),
    )
    inv["invoice_no"] = ""
    inv.loc[own.index, "invoice_no"] = numbers
    by_tmp = dict(zip(inv["tmp"], inv["invoice_no"], strict=True))
    dups = inv["dup_of"] >= 0
    inv.loc[dups, "invoice_no"] = [by_tmp[t] for t in inv.loc[dups, "dup_of"]]
    inv["vendor_id"] = vendors["vendor_id"].to_numpy()[inv["vendor"].to_numpy()]
    inv["vendor_name"] = vendors["vendor_name"].to_numpy()[inv["vendor"].to_numpy()]
    return inv
