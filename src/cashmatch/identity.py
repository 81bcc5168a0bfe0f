"""Movement identity: the key that makes statement imports idempotent.

Layered, strongest first:

1. the bank's own id (``bank_reference``: AcctSvcrRef, FITID, MT940 bank reference), scoped by
   account, plus the end-to-end id when one bank entry was split into several movements;
2. the end-to-end id with amount and booking date, when the bank gives no id of its own;
3. a hash of the content (account, dates, amount, counterparty, text, references).

Two movements of one file with the same key get an occurrence number (``#2``, ``#3``...) in
file order: identical lines on one day are legitimate and must both stay, and an overlapping
file that holds the same lines gets the same keys.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from cashmatch.model import Movement

_NO_REF = {"", "NOTPROVIDED", "NONREF", "NONE"}


def base_key(m: Movement) -> str:
    """The identity of ``m`` before occurrence numbering."""
    account = m.account or ""
    e2e = m.reference("end_to_end")
    e2e = e2e if e2e and e2e.upper() not in _NO_REF else None
    if m.bank_reference and m.bank_reference.upper() not in _NO_REF:
        key = f"bank|{account}|{m.bank_reference}"
        if m.entry_key is not None and e2e:
            key += f"|{e2e}"
        return key
    if e2e:
        return f"e2e|{account}|{e2e}|{m.amount}|{m.booking_date.isoformat()}"
    content = "\x1f".join([
        account, m.booking_date.isoformat(), m.value_date.isoformat() if m.value_date else "",
        str(m.amount), m.currency, m.counterparty_name or "", m.counterparty_iban or "",
        m.remittance, "\x1e".join(f"{r.kind}={r.value}" for r in m.references),
        m.bank_tx_code or "",
    ])
    return "hash|" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


def identity_keys(movements: Iterable[Movement]) -> list[str]:
    """Keys for ``movements`` of one file, in order, with occurrence numbers where repeated."""
    seen: Counter[str] = Counter()
    keys = []
    for m in movements:
        base = base_key(m)
        seen[base] += 1
        n = seen[base]
        keys.append(base if n == 1 else f"{base}#{n}")
    return keys
