"""The planted AP anomalies: duplicate (exact, near, across vendors, a recurring bill billed twice) and split
invoices, segregation-of-duties and paid-before-received invoices, and the invoices of the planted vendor that
shares an employee's bank account; plus a clean monthly recurring bill, the look-alike a near-duplicate test must
leave alone. Every planted row carries ``plant`` (the anomaly type) and ``note`` (the answer-key description)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from generator.finance_ap import APPROVAL_LIMIT_IDR, PAYMENT_TERMS_DAYS, D, approver_for, date_chain, frame
from generator.finance_calendar import WorkCalendar, periods_of
from generator.finance_vendors import CLERKS

#: days around a planted invoice in which the vendor's other invoices below the limit count toward a split group
GROUP_MARGIN_DAYS = 10
#: recurring bills: the same amount from one vendor on the same day of every month (a lease, a subscription)
RECURRING_DAY_RANGE = (2, 9)


class Planter:
    """Plants the AP anomalies into the invoice frame; every planted row carries plant/note."""

    def __init__(
        self,
        rng: np.random.Generator,
        cal: WorkCalendar,
        inv: pd.DataFrame,
        vendors: pd.DataFrame,
        dept_probs: dict[str, tuple[np.ndarray, np.ndarray]],
    ) -> None:
        self.rng, self.cal, self.vendors, self.dept_probs = rng, cal, vendors, dept_probs
        self.inv = inv.reset_index(drop=True)
        self.used = np.zeros(len(self.inv), dtype=bool)
        self.recurring: tuple[int, int, np.ndarray] | None = None  # vendor, amount, dates of the recurring bill

    def _pick(self, period: str, extra: np.ndarray) -> int | None:
        inv = self.inv
        ok = (inv["plant"].to_numpy() == "") & ~self.used[: len(inv)] & extra & (inv["dup_of"].to_numpy() < 0)
        ok &= ~self.vendors["planted"].to_numpy()[inv["vendor"].to_numpy()]
        in_period = ok & (periods_of(D(inv["invoice_date"])) == period)
        pool = np.flatnonzero(in_period) if in_period.any() else np.flatnonzero(ok)
        if len(pool) == 0:
            return None
        row = int(self.rng.choice(pool))
        self.used[row] = True
        return row

    def _approve_and_pay(
        self, received: np.ndarray, due: np.ndarray, approval_days, payment_days
    ) -> dict[str, np.ndarray]:
        """The date chain of a planted invoice from its receipt on: approved ``approval_days`` working days after it
        was received, paid ``payment_days`` working days after approval."""
        approved = self.cal.shift(received, approval_days)
        return {"received": received, "approved": approved, "due": due, "paid": self.cal.shift(approved, payment_days)}

    def _append(self, rows: pd.DataFrame) -> None:
        self.inv = pd.concat([self.inv, rows], ignore_index=True)
        self.used = np.concatenate([self.used, np.ones(len(rows), dtype=bool)])

    def _dup_base(self, period: str) -> int | None:
        """A paid invoice of 1–20 million whose vendor has no other invoice within 60 days and 12 % of it
        (so the copy, up to 20 days later and 4 % off, pairs with its original only)."""
        inv = self.inv
        amt = inv["amount"].to_numpy()
        ok = (amt >= 1_000_000) & (amt <= 20_000_000) & (D(inv["paid"]) <= self.cal.end)
        ok &= D(inv["invoice_date"]) <= self.cal.end - 45
        self._index()
        for _ in range(50):
            row = self._pick(period, ok)
            if row is None:
                return None
            v = int(inv["vendor"].iloc[row])
            others = self.by_vendor[v]
            others = others[others != row]
            close = (np.abs(self.day[others] - self.day[row]) <= 60) & (
                np.abs(self.amount[others] - amt[row]) <= 0.12 * amt[row]
            )
            # the copy (up to 21 days later, 4 % more) must not make a split-like group with the vendor's invoices
            if not close.any() and all(
                self._group_ok(v, np.array([self.day[row] + k]), np.array([amt[row] * 1.04])) for k in range(22)
            ):
                return row
            ok[row] = False
        return row

    def duplicate_exact(self, period: str) -> None:
        b = self._dup_base(period)
        if b is None:
            return
        base = self.inv.iloc[[b]]
        received = self.cal.shift(D(base["received"]), int(self.rng.integers(3, 11)))
        chain = self._approve_and_pay(
            received, D(base["due"]), int(self.rng.integers(1, 4)), int(self.rng.integers(1, 6))
        )
        clerk = [c for c in CLERKS if c != base["created_by"].iloc[0]][int(self.rng.integers(0, 3))]
        self._append(
            frame(
                base["vendor"].to_numpy(),
                D(base["invoice_date"]),
                chain,
                base["amount"].to_numpy(),
                base["department_id"].to_numpy(),
                base["account_code"].to_numpy(),
                clerk,
                "U004",
                "duplicate_invoice_exact",
                "Same vendor, invoice number and amount entered and paid a second time",
                b,
                b,
            )
        )

    def duplicate_near(self, period: str, k: int) -> None:
        b = self._dup_base(period)
        if b is None:
            return
        base = self.inv.iloc[[b]]
        amount = base["amount"].to_numpy()
        how = "the same amount"
        if k % 2:
            amount = np.rint(amount * self.rng.uniform(1.01, 1.04)).astype(np.int64)
            amount += (amount % 1_000_000 == 0) * 1_250
            how = "an amount within 5%"
        inv_date = self.cal.on_or_after(D(base["invoice_date"]) + int(self.rng.integers(8, 21)))
        received = self.cal.shift(inv_date, int(self.rng.integers(0, 3)))
        chain = self._approve_and_pay(
            received, inv_date + PAYMENT_TERMS_DAYS, int(self.rng.integers(1, 4)), int(self.rng.integers(1, 6))
        )
        note = f"Same vendor billed {how} again within 30 days under another invoice number"
        self._append(
            frame(
                base["vendor"].to_numpy(),
                inv_date,
                chain,
                amount,
                base["department_id"].to_numpy(),
                base["account_code"].to_numpy(),
                base["created_by"].to_numpy(),
                "U004",
                "duplicate_invoice_near",
                note,
                -1,
                b,
            )
        )

    def _clear(self, v: int, dates: np.ndarray, amounts: np.ndarray) -> bool:
        """No invoice of vendor ``v`` below the limit is within 10 days of the new ones (a planted split group stays
        exactly the planted invoices, whatever their sizes) and none would pair with them in a near-duplicate test
        (within 35 days, amount within 8 %)."""
        rows = self.by_vendor.get(v)
        if rows is None or len(rows) == 0:
            return True
        d, a = self.day[rows], self.amount[rows]
        gap = np.abs(d[:, None] - dates.astype(np.int64)[None, :])
        split = (gap <= GROUP_MARGIN_DAYS) & (a[:, None] < APPROVAL_LIMIT_IDR)
        near = (gap <= 35) & (np.abs(a[:, None] - amounts[None, :]) <= 0.08 * np.minimum(a[:, None], amounts[None, :]))
        return not (split.any() or near.any())

    def _group_ok(self, v: int, days: np.ndarray, amounts: np.ndarray) -> bool:
        """New invoices of vendor ``v`` on ``days`` (day numbers) with ``amounts`` would make no split-like group:
        with the vendor's invoices below the limit within 10 days of them, every 10-day window stays at or below
        the limit."""
        rows = self.by_vendor.get(v, np.zeros(0, dtype=np.int64))
        d = np.concatenate([self.day[rows], np.asarray(days, dtype=np.int64)])
        a = np.concatenate([self.amount[rows], np.asarray(amounts, dtype=np.float64)])
        keep = a < APPROVAL_LIMIT_IDR
        d, a = d[keep], a[keep]
        near = np.abs(d[:, None] - np.asarray(days, dtype=np.int64)[None, :]).min(axis=1) <= GROUP_MARGIN_DAYS
        d, a = d[near], a[near]
        return all(a[(d >= start) & (d <= start + GROUP_MARGIN_DAYS)].sum() <= APPROVAL_LIMIT_IDR for start in d)

    def _near_ok(self, v: int, days: np.ndarray, amounts: np.ndarray) -> bool:
        """No invoice of vendor ``v`` within 35 days of the new ones has an amount within 8 % of theirs."""
        rows = self.by_vendor.get(v, np.zeros(0, dtype=np.int64))
        if len(rows) == 0:
            return True
        gap = np.abs(self.day[rows][:, None] - np.asarray(days, dtype=np.int64)[None, :])
        a, b = self.amount[rows][:, None].astype(np.float64), np.asarray(amounts, dtype=np.float64)[None, :]
        return not ((gap <= 35) & (np.abs(a - b) <= 0.08 * np.minimum(a, b))).any()

    def _index(self) -> None:
        inv = self.inv
        self.day = D(inv["invoice_date"]).astype(np.int64)
        self.amount = inv["amount"].to_numpy()
        order = np.argsort(inv["vendor"].to_numpy(), kind="stable")
        keys, first = np.unique(inv["vendor"].to_numpy()[order], return_index=True)
        self.by_vendor = dict(zip(keys.tolist(), np.split(order, first[1:]), strict=True))

    def split(self, period: str, k: int) -> None:
        rng, cal = self.rng, self.cal
        n_items = 2 + k % 2
        first = rng.uniform(0.9005, 0.9015)
        steps = rng.uniform(1.0515, 1.0525, n_items - 1)
        amount = np.rint(APPROVAL_LIMIT_IDR * first * np.concatenate([[1.0], np.cumprod(steps)])).astype(np.int64)
        amount = rng.permutation(amount + (amount % 1_000_000 == 0) * 1_250)
        days = cal.working_days(period)
        starts = days[: max(1, len(days) - 6)]
        cands = self.vendors[self.vendors["is_old"] & ~self.vendors["planted"]]["idx"].to_numpy()
        self._index()
        tries = [(int(v), int(i)) for v in rng.permutation(cands) for i in rng.permutation(len(starts))]
        choice = None
        for v, i in tries[:3000]:
            i0 = int(np.searchsorted(cal.work, starts[i]))
            dates = cal.work[i0 + np.arange(n_items)]
            if (dates[-1] - dates[0]).astype(int) > 6:
                dates = np.full(n_items, dates[0])
            choice = choice or (v, dates)
            if self._clear(v, dates, amount):
                choice = (v, dates)
                break
        v, dates = choice
        received = cal.shift(dates, rng.integers(0, 2, n_items))
        chain = self._approve_and_pay(
            received, dates + PAYMENT_TERMS_DAYS, rng.integers(1, 3, n_items), rng.integers(3, 10, n_items)
        )
        vrow = self.vendors.iloc[v]
        ids, probs = self.dept_probs[vrow["category"]]
        dept = rng.choice(ids, p=probs)
        note = (
            f"Split purchase {k + 1}: {n_items} invoices of one vendor by one clerk within 7 days, each just "
            f"below the Rp{APPROVAL_LIMIT_IDR:,} approval limit, together above it"
        )
        self._append(
            frame(
                np.full(n_items, v),
                dates,
                chain,
                amount,
                dept,
                vrow["account"],
                vrow["clerk"],
                "U004",
                "split_invoice",
                note,
                -1,
            )
        )

    def fake_vendor_invoices(self, v: int) -> None:
        rng, cal = self.rng, self.cal
        vrow = self.vendors.iloc[v]
        created = np.datetime64(vrow["created"], "D")
        dates = cal.on_or_after(created + np.cumsum(rng.integers([2, 10, 13], [7, 21, 25])))
        dates = dates[dates <= cal.end - 5]
        if len(dates) == 0:
            return
        amount = np.rint(rng.uniform(2e6, 5e6) * np.array([1.0, 1.3, 1.75])[: len(dates)]).astype(np.int64)
        chain = date_chain(rng, cal, dates, late_share=0.0)
        ids, probs = self.dept_probs[vrow["category"]]
        self._append(
            frame(
                np.full(len(dates), v),
                dates,
                chain,
                amount,
                rng.choice(ids, size=len(dates), p=probs),
                vrow["account"],
                vrow["clerk"],
                approver_for(rng, amount),
            )
        )
        self.used[-len(dates) :] = True

    def sod(self, period: str) -> None:
        r = self._pick(period, D(self.inv["approved"]) <= self.cal.end)
        if r is not None:
            self.inv.loc[r, "approved_by"] = self.inv.loc[r, "created_by"]
            self.inv.loc[r, ["plant", "note"]] = [
                "sod_invoice_creator_approver",
                "Invoice entered and approved by the same user",
            ]

    def paid_before_received(self, period: str) -> None:
        inv = self.inv
        ok = (D(inv["paid"]) <= self.cal.end) & (D(inv["received"]) >= self.cal.start + 7)
        r = self._pick(period, ok)
        if r is not None:
            received = np.datetime64(inv.loc[r, "received"], "D")
            inv.loc[r, "paid"] = self.cal.on_or_before(np.array([received - 1]))[0]
            inv.loc[r, ["plant", "note"]] = [
                "invoice_paid_before_received",
                "Invoice paid before the company received it",
            ]

    # -- look-alikes and the newer planted cases (their own random stream: the cases above are drawn as before) ----
    def _candidates(self, rng: np.random.Generator, categories: tuple[str, ...] = ()) -> np.ndarray:
        v = self.vendors
        ok = v["is_old"].to_numpy() & ~v["planted"].to_numpy()
        if categories and (ok & v["category"].isin(categories).to_numpy()).any():
            ok &= v["category"].isin(categories).to_numpy()
        return rng.permutation(v["idx"].to_numpy()[ok])

    def recurring_bill(self, rng: np.random.Generator, periods: list[str]) -> None:
        """A clean monthly recurring bill (a lease or a subscription): one vendor bills the same amount on the same
        day of every month. Not an anomaly: the near-duplicate test must leave it alone."""
        self._index()
        day_of_month = int(rng.integers(*RECURRING_DAY_RANGE))
        dates = np.array([np.datetime64(f"{p}-{day_of_month:02d}") for p in periods], dtype="datetime64[D]")
        chosen = None
        for _ in range(40):
            amount = int(rng.lognormal(np.log(6e6), 0.5)) // 1000 * 1000 + int(rng.integers(1, 1000))
            amount = min(max(amount, 1_000_001), 20_000_000 - 1)
            if (self.amount == amount).any():
                continue
            for v in self._candidates(rng, ("facilities", "it")):
                # room for the bill and for a second bill 7 days later (the planted duplicate) in every window
                days = np.concatenate([dates, dates + 7]).astype(np.int64)
                if self._near_ok(int(v), days, np.full(len(days), amount)) and self._group_ok(
                    int(v), days, np.full(len(days), amount)
                ):
                    chosen = (int(v), amount)
                    break
            if chosen:
                break
        if chosen is None:
            return
        v, amount = chosen
        vrow = self.vendors.iloc[v]
        ids, probs = self.dept_probs[vrow["category"]]
        chain = date_chain(rng, self.cal, dates)
        n = len(dates)
        self._append(
            frame(
                np.full(n, v),
                dates,
                chain,
                np.full(n, amount),
                np.full(n, rng.choice(ids, p=probs)),
                vrow["account"],
                vrow["clerk"],
                approver_for(rng, np.full(n, amount)),
                "",
                "",
                -1,
                -1,
            )
        )
        self.used[-n:] = True
        self.recurring = (v, amount, dates)

    def duplicate_recurring_bill(self, rng: np.random.Generator, period: str) -> None:
        """The recurring bill billed a second time in one month, 7-12 days after the month's bill, under another
        invoice number: a near duplicate even though the vendor bills that amount every month."""
        if self.recurring is None:
            return
        v, amount, dates = self.recurring
        month = [d for d in dates if str(d)[:7] == period] or list(dates[1:-1] if len(dates) > 2 else dates)
        inv_date = np.array([month[0] + int(rng.integers(7, 13))], dtype="datetime64[D]")
        received = self.cal.on_or_after(inv_date + int(rng.integers(0, 3)))
        chain = self._approve_and_pay(
            received, inv_date + PAYMENT_TERMS_DAYS, int(rng.integers(1, 4)), int(rng.integers(1, 6))
        )
        vrow = self.vendors.iloc[v]
        base = self.inv[(self.inv["vendor"] == v) & (D(self.inv["invoice_date"]) == month[0])]
        dept = base["department_id"].iloc[0] if len(base) else rng.choice(self.dept_probs[vrow["category"]][0])
        note = (
            f"The monthly recurring bill of Rp{amount:,} (billed on {month[0]}) billed again within the same "
            f"month under another invoice number"
        )
        orig = int(base.index[0]) if len(base) else -1
        self._append(
            frame(
                np.array([v]),
                inv_date,
                chain,
                np.array([amount]),
                dept,
                vrow["account"],
                vrow["clerk"],
                "U004",
                "duplicate_recurring_bill",
                note,
                -1,
                orig,
            )
        )

    def duplicate_cross_vendor(self, rng: np.random.Generator, period: str) -> None:
        """A paid invoice entered again under another vendor (same invoice number and amount), a few days later:
        one bill paid twice through two vendor records."""
        saved, self.rng = self.rng, rng
        try:
            b = self._dup_base(period)
        finally:
            self.rng = saved
        if b is None:
            return
        base = self.inv.iloc[[b]]
        va = int(base["vendor"].iloc[0])
        cat = self.vendors.iloc[va]["category"]
        inv_date = D(base["invoice_date"]) + int(rng.integers(0, 6))
        amount = base["amount"].to_numpy()
        target = None
        for v in self._candidates(rng, (cat,)):
            if (
                int(v) != va
                and self._near_ok(int(v), inv_date.astype(np.int64), amount)
                and self._group_ok(int(v), inv_date.astype(np.int64), amount)
            ):
                target = int(v)
                break
        if target is None:
            return
        received = self.cal.shift(D(base["received"]), int(rng.integers(3, 11)))
        chain = self._approve_and_pay(
            received, inv_date + PAYMENT_TERMS_DAYS, int(rng.integers(1, 4)), int(rng.integers(1, 6))
        )
        vrow = self.vendors.iloc[target]
        clerk = [c for c in CLERKS if c != base["created_by"].iloc[0]][int(rng.integers(0, 3))]
        note = (
            f"Invoice number and amount of an invoice of vendor {self.vendors.iloc[va]['vendor_id']} entered and "
            f"paid again under vendor {vrow['vendor_id']}"
        )
        self._append(
            frame(
                np.array([target]),
                inv_date,
                chain,
                amount,
                base["department_id"].to_numpy(),
                vrow["account"],
                clerk,
                "U004",
                "duplicate_invoice_cross_vendor",
                note,
                b,
                b,
            )
        )

    def split_small_pieces(self, rng: np.random.Generator, period: str) -> None:
        """A purchase split into two invoices of one vendor two working days apart, each well below the approval
        limit (e.g. Rp28m + Rp33m against Rp50m) and together above it, entered by two clerks."""
        cal = self.cal
        # 52-58 % and 63-70 %: more than 8 % apart, so the pieces are not near duplicates of each other as well
        amount = np.rint(APPROVAL_LIMIT_IDR * rng.uniform([0.52, 0.63], [0.58, 0.70])).astype(np.int64)
        amount += (amount % 1_000_000 == 0) * 1_250
        days = cal.working_days(period)
        starts = days[: max(1, len(days) - 3)]
        self._index()
        choice = None
        for v in self._candidates(rng):
            for i in rng.permutation(len(starts))[:20]:
                i0 = int(np.searchsorted(cal.work, starts[i]))
                dates = cal.work[i0 + np.array([0, 2])]
                if self._clear(int(v), dates, amount):
                    choice = (int(v), dates)
                    break
            if choice:
                break
        if choice is None:
            return
        v, dates = choice
        received = cal.shift(dates, rng.integers(0, 2, 2))
        chain = self._approve_and_pay(
            received, dates + PAYMENT_TERMS_DAYS, rng.integers(1, 3, 2), rng.integers(3, 10, 2)
        )
        vrow = self.vendors.iloc[v]
        ids, probs = self.dept_probs[vrow["category"]]
        clerks = np.array([vrow["clerk"], [c for c in CLERKS if c != vrow["clerk"]][int(rng.integers(0, 3))]])
        note = (
            f"Split purchase: 2 invoices of one vendor 2 working days apart, Rp{amount[0]:,} and "
            f"Rp{amount[1]:,}, each well below the Rp{APPROVAL_LIMIT_IDR:,} approval limit, together above it, "
            f"entered by two clerks"
        )
        self._append(
            frame(
                np.full(2, v),
                dates,
                chain,
                amount,
                rng.choice(ids, p=probs),
                vrow["account"],
                clerks,
                "U004",
                "split_invoice_small_pieces",
                note,
                -1,
            )
        )
