"""Identities of new persons: Indonesian-looking names, gender, birth date, NIK, NPWP, bank account,
e-mail, PTKP status and personal propensities (overtime, absence). All unique where they must be."""

from __future__ import annotations

import numpy as np

from generator.context import Context
from generator.data import (
    BANK_PREFIXES,
    EMAIL_DOMAIN,
    FEMALE_FIRST,
    LAST_NAMES,
    MALE_FIRST,
    NIK_PREFIX,
    PTKP_MIX,
)
from generator.workforce import Workforce

DAYS_PER_YEAR = 365.25


class IdentityFactory:
    """Creates person attributes; keeps the sets that make ids unique."""

    def __init__(self, ctx: Context) -> None:
        self.rng = ctx.stream("identity")
        self.nik: set[str] = set()
        self.npwp: set[str] = set()
        self.bank: set[str] = set()
        self.email: set[str] = set()
        self.ptkp_codes = np.array(list(PTKP_MIX))
        self.ptkp_p = np.array(list(PTKP_MIX.values())) / sum(PTKP_MIX.values())

    def create(
        self,
        wf: Workforce,
        idx: np.ndarray,
        regions: list[str],
        hire: np.ndarray,
        age_lo: np.ndarray,
        age_hi: np.ndarray,
        nik_as_npwp: np.ndarray | None = None,
    ) -> None:
        rng, k = self.rng, len(idx)
        female = rng.random(k) < 0.44
        age_days = (rng.uniform(age_lo, age_hi) * DAYS_PER_YEAR).astype(np.int64)
        birth = hire - age_days.astype("m8[D]")
        ptkp = rng.choice(self.ptkp_codes, size=k, p=self.ptkp_p)
        young = age_days < 26 * DAYS_PER_YEAR
        ptkp = np.where(young & (rng.random(k) < 0.8), "TK/0", ptkp)
        wf.gender[idx] = np.where(female, "F", "M")
        wf.birth[idx] = birth
        wf.ptkp[idx] = ptkp
        wf.ot_prop[idx] = rng.uniform(0.3, 1.7, k)
        wf.abs_factor[idx] = rng.gamma(4.0, 0.25, k)
        firsts_m = rng.integers(0, len(MALE_FIRST), k)
        firsts_f = rng.integers(0, len(FEMALE_FIRST), k)
        lasts = rng.integers(0, len(LAST_NAMES), k)
        districts = rng.integers(1, 40, k)
        seqs = rng.integers(1, 10_000, k)
        npwp_core = rng.integers(10**8, 10**9, k)
        kpp = rng.integers(1, 999, k)
        banks = rng.integers(0, 10**9, k)
        bank_prefix = rng.integers(0, len(BANK_PREFIXES), k)
        nik_npwp = np.zeros(k, bool) if nik_as_npwp is None else nik_as_npwp
        for j, i in enumerate(idx):
            first = FEMALE_FIRST[firsts_f[j]] if female[j] else MALE_FIRST[firsts_m[j]]
            last = LAST_NAMES[lasts[j]]
            wf.full_name[i] = f"{first} {last}".strip()
            b = birth[j].astype(object)
            prov, cities = NIK_PREFIX[regions[j]]
            city = cities[int(seqs[j]) % len(cities)]
            day = b.day + (40 if female[j] else 0)
            seq = int(seqs[j])
            while True:
                nik = f"{prov}{city}{int(districts[j]):02d}{day:02d}{b.month:02d}{b.year % 100:02d}{seq:04d}"
                if nik not in self.nik:
                    break
                seq = seq % 9999 + 1
            self.nik.add(nik)
            wf.national_id[i] = nik
            if nik_npwp[j]:
                npwp = nik
            else:
                core = int(npwp_core[j])
                while True:
                    npwp = f"{core:09d}{core % 7}{int(kpp[j]):03d}000"
                    if npwp not in self.npwp:
                        break
                    core = core + 1 if core < 10**9 - 1 else 10**8
            self.npwp.add(npwp)
            wf.tax_id[i] = npwp
            acct = int(banks[j])
            while True:
                bank = f"{BANK_PREFIXES[bank_prefix[j]]}{acct:09d}"
                if bank not in self.bank:
                    break
                acct = (acct + 7919) % 10**9
            self.bank.add(bank)
            wf.bank_account[i] = bank
            base = ".".join(p.lower() for p in (first, last) if p)
            email, n = f"{base}@{EMAIL_DOMAIN}", 1
            while email in self.email:
                n += 1
                email = f"{base}{n}@{EMAIL_DOMAIN}"
            self.email.add(email)
            wf.email[i] = email
