"""Vendors and customers of the demo company: names, tax ids, bank accounts, categories, activity weights."""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.finance_calendar import WorkCalendar, iso

#: reporting category -> (share of vendors, median invoice amount IDR, log-sd of amounts, expense accounts)
CATEGORIES: dict[str, tuple[float, float, float, tuple[str, ...]]] = {
    "it": (0.15, 6e6, 1.5, ("6210", "6220", "6230")),
    "facilities": (0.10, 12e6, 1.5, ("6310", "6320", "6330")),
    "professional_fees": (0.12, 18e6, 1.4, ("6410", "6420", "6430")),
    "travel": (0.15, 2.5e6, 1.4, ("6510", "6520")),
    "marketing": (0.12, 8e6, 1.6, ("6610", "6620")),
    "training": (0.10, 4e6, 1.3, ("6710",)),
    "other_opex": (0.26, 1.5e6, 1.5, ("6810", "6830", "6840")),
}
CLERKS = np.array(["U005", "U006", "U007", "U008"])

_W1 = ("Sinar", "Maju", "Karya", "Mitra", "Cahaya", "Bumi", "Prima", "Mega", "Surya", "Nusa", "Tunas", "Graha",
       "Sentosa", "Abadi", "Jaya", "Bina", "Citra", "Duta", "Harapan", "Indah", "Lestari", "Makmur", "Mulia",
       "Pelita", "Putra", "Sejahtera", "Teguh", "Utama", "Wahana", "Anugerah", "Bintang", "Global")  # fmt: skip
_W2 = ("Andalas", "Bahari", "Cemerlang", "Dirgantara", "Gemilang", "Kencana", "Lintas", "Mandiri", "Nusantara",
       "Pratama", "Raya", "Samudra", "Selaras", "Semesta", "Sukses", "Terpadu", "Agung", "Berkah", "Persada",
       "Perkasa", "Kreasi", "Santika", "Artha", "Buana")  # fmt: skip
_SUFFIX = {
    "it": ("Teknologi", "Solusi Digital", "Data Sistem", "Informatika", "Komputindo", "Telematika"),
    "facilities": ("Properti", "Realty", "Facility Services", "Energi", "Kebersihan"),
    "professional_fees": ("Konsultan", "Advisory", "Legal", "Audit", "Manajemen"),
    "travel": ("Tour & Travel", "Wisata", "Hotel", "Transport", "Perjalanan"),
    "marketing": ("Kreatif", "Media", "Advertising", "Promosindo", "Event Organizer"),
    "training": ("Edukasi", "Training Center", "Akademi", "Pelatihan", "Learning"),
    "other_opex": ("Niaga", "Supplies", "Perdagangan", "Logistik", "Asuransi", "Distribusi", "Sarana"),
    "customer": ("Group", "Indonesia", "Holding", "Tbk", "Industri"),
}


def vendor_count(employees: int) -> int:
    """About 60 vendors at 400 employees, growing a little less than linearly with size (a busy vendor
    with dozens of invoices a month would trip the near-duplicate test on clean data)."""
    return max(15, int(round(60 * (employees / 400) ** 0.85)))


def company_names(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    suffixes = _SUFFIX[kind]
    combos = len(_W1) * len(_W2) * len(suffixes)
    pick = rng.choice(combos, size=n, replace=False)
    w1, rest = np.divmod(pick, len(_W2) * len(suffixes))
    w2, sx = np.divmod(rest, len(suffixes))
    legal = np.where(rng.random(n) < 0.8, "PT", "CV") if kind != "customer" else np.full(n, "PT")
    return np.array([f"{lg} {_W1[a]} {_W2[b]} {suffixes[c]}" for lg, a, b, c in zip(legal, w1, w2, sx, strict=True)])


def _unique_digits(rng: np.random.Generator, n: int, digits: int, prefix: str, taken: set[str]) -> np.ndarray:
    """n distinct digit strings (prefix + random digits) none of which is in ``taken``."""
    out: list[str] = []
    seen = set(taken)
    while len(out) < n:
        width = digits - len(prefix)
        for v in rng.integers(0, 10**width, size=2 * (n - len(out))):
            s = prefix + str(int(v)).zfill(width)
            if s not in seen:
                seen.add(s)
                out.append(s)
                if len(out) == n:
                    break
    return np.array(out)


def make_vendors(
    rng: np.random.Generator, n: int, cal: WorkCalendar, employees: pd.DataFrame, fake_vendor_dates: list[np.datetime64]
) -> pd.DataFrame:
    """Vendor master: the ``n`` ordinary vendors plus one planted vendor per date in ``fake_vendor_dates``.

    Internal columns: idx (row position after sorting), weight (invoice activity), clerk (usual AP clerk),
    account (usual expense account), is_old (created before the first generated month), planted.
    """
    shares = np.array([c[0] for c in CATEGORIES.values()])
    counts = np.maximum(1, np.floor(shares * n).astype(int))
    counts[np.argmax(shares)] += n - counts.sum()
    cats = np.repeat(np.array(list(CATEGORIES)), counts)
    names = np.concatenate([company_names(rng, int(k), c) for c, k in zip(CATEGORIES, counts, strict=True)])
    n_fake = len(fake_vendor_dates)
    fake_cats = np.array(["professional_fees", "other_opex"])[np.arange(n_fake) % 2]
    fake_names = np.array([company_names(rng, 1, c)[0] for c in fake_cats])
    new = rng.random(n) < 0.2
    span = max(int((cal.end - 60 - cal.start).astype(int)), 1)
    created = np.where(new, cal.start + rng.integers(0, span, n), cal.start - rng.integers(60, 1800, n))
    taken_bank = set(employees["bank_account"].dropna().astype(str).str.strip())
    taken_tax = set(employees["tax_id"].dropna().astype(str).str.strip()) if "tax_id" in employees else set()
    total = n + n_fake
    df = pd.DataFrame(
        {
            "vendor_name": np.concatenate([names, fake_names]),
            "tax_id": _unique_digits(rng, total, 15, "0", taken_tax),
            "bank_account": _unique_digits(rng, total, 10, "8", taken_bank),
            "category": np.concatenate([cats, fake_cats]),
            "created": np.concatenate(
                [cal.on_or_after(created.astype("datetime64[D]")), np.array(fake_vendor_dates, dtype="datetime64[D]")]
            ),
            "weight": np.concatenate([rng.lognormal(0.0, 0.6, n), np.zeros(n_fake)]),
            "clerk": CLERKS[rng.integers(0, len(CLERKS), total)],
            "planted": np.arange(total) >= n,
        }
    )
    df["account"] = [
        CATEGORIES[c][3][i % len(CATEGORIES[c][3])]
        for i, c in zip(rng.integers(0, 6, total), df["category"], strict=True)
    ]
    df = df.sort_values(["created", "vendor_name"], kind="stable").reset_index(drop=True)
    df["vendor_id"] = [f"V{i + 1:04d}" for i in range(len(df))]
    df["idx"] = np.arange(len(df))
    df["is_old"] = df["created"].to_numpy().astype("datetime64[D]") < cal.start
    return df


def vendor_file(vendors: pd.DataFrame) -> pd.DataFrame:
    out = vendors[["vendor_id", "vendor_name", "tax_id", "bank_account", "category"]].copy()
    out["created_date"] = iso(vendors["created"].to_numpy().astype("datetime64[D]"))
    return out
