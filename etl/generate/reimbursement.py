"""Mellemkommunal refusion: what an acting municipality pays on a case another municipality pays for.

The acting municipality claims its payments quarterly from the paying municipality (from the day the
family moved there; from the start when the paying municipality was registered so from the outset);
the paying municipality books the reimbursement on artskonto 4.7 one to three months after the
quarter, and the acting municipality receives it on 7.7 (as income: a negative amount) a few days
later. A share of the claims is never paid (claimed too late or disputed), and a claim on a
municipality the citizen never lived in is always disputed. Drawn from a stream of its own.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from etl.dates import add_months

from .extraction import paying_on
from .finance import GrantLedger
from .simulation import Grant
from .writers import OPUS_POSTING_COLUMNS, PRISME_POSTING_COLUMNS

UNPAID_SHARE = (0.05, 0.15)  # per acting municipality: claims never paid
PAID_AFTER_DAYS = (30, 92)  # after the claim, which goes out two weeks after the quarter
VOUCHER_BASE = 10**10  # apart from the ordinary vouchers (municipality * 10^7 + n)


@dataclass(frozen=True)
class Transfer:
    municipality: int  # whose books
    day: date
    account: str
    art: str  # 47: paid to a municipality, 77: received from one
    amount: float
    cpr: str
    text: str


def transfers(grants: list[Grant], ledger: GrantLedger, acting: int, horizon: date, seed: int) -> list[Transfer]:
    rng = random.Random(f"{seed}:{acting}:reimbursement")
    unpaid = rng.uniform(*UNPAID_SHARE)
    affected = sorted({i for i, g in enumerate(grants) if any(m != acting for _, m in g.paying)})
    rows = ledger.rows[["grant", "posting", "amount"]].to_numpy()
    rows = rows[np.isin(rows[:, 0], affected)]
    result = []
    for index in affected:
        grant = grants[index]
        mine = rows[rows[:, 0] == index]
        claimed_until = 0
        quarter = date(grant.start.year, (grant.start.month - 1) // 3 * 3 + 1, 1)
        while quarter < horizon:
            end = add_months(quarter, 3)
            claim_day = end + timedelta(days=14)
            paying = paying_on(grant, claim_day)
            if paying != acting and claim_day < horizon:
                moved = [day for day, code in grant.citizen.residence if code == paying]
                since = (moved[0] if moved else grant.start).toordinal()
                due = mine[(mine[:, 1] >= max(since, claimed_until)) & (mine[:, 1] < end.toordinal())]
                claimed_until = end.toordinal()
                amount = round(float(np.sum(due[:, 2])), 2)
                paid = claim_day + timedelta(days=rng.randrange(*PAID_AFTER_DAYS))
                if amount > 0 and moved and rng.random() >= unpaid and paid < horizon:
                    label = f"Mellemkommunal refusion {quarter.year}K{(quarter.month - 1) // 3 + 1}"
                    received = paid + timedelta(days=rng.randrange(0, 4))
                    result.append(Transfer(paying, paid, grant.account, "47", amount, grant.citizen.cpr,
                                           f"{label} til kommune {acting:04d}"))
                    result.append(Transfer(acting, received, grant.account, "77", -amount, grant.citizen.cpr,
                                           f"{label} fra kommune {paying:04d}"))
            quarter = end
    return result


def numbered(all_transfers: list[Transfer]) -> list[tuple[int, Transfer]]:
    """Voucher numbers per municipality in booking order, the same whatever the extraction date."""
    counters: dict[int, int] = {}
    result = []
    for t in sorted(all_transfers, key=lambda t: (t.municipality, t.day, t.text, t.cpr, t.amount)):
        counters[t.municipality] = counters.get(t.municipality, -1) + 1
        result.append((VOUCHER_BASE + t.municipality * 10**6 + counters[t.municipality], t))
    return result


def append_postings(path: Path, finance: str, vouchers: list[tuple[int, Transfer]]) -> int:
    """Add the transfers to the municipality's posting file of the night (made, with its header, if missing)."""
    new = not path.exists()
    prisme = finance == "PRISME"
    with open(path, "a", encoding="utf-8-sig" if prisme and new else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";" if prisme else "|", lineterminator="\r\n" if prisme else "\n")
        if new:
            writer.writerow(PRISME_POSTING_COLUMNS if prisme else OPUS_POSTING_COLUMNS)
        for voucher, t in vouchers:
            if prisme:
                writer.writerow((voucher, t.day.isoformat(), t.account, t.art, f"{t.amount:.2f}".replace(".", ","),
                                 t.cpr, "", "", t.text))
            else:
                account = f"{t.account[0]}.{t.account[1:3]}.{t.account[3:5]}.{t.account[5]}.{t.account[6:]}"
                writer.writerow((voucher, t.day.strftime("%Y%m%d"), account, f"{t.art[0]}.{t.art[1]}",
                                 f"{t.amount:.2f}", t.cpr, "", "", t.text))
    return len(vouchers)
