"""A promise to pay read from a customer's message: the date and the amount, when the customer states them.

Why "nearest to a payment word": a promise message often names other dates and amounts (the
invoice's date, the total owed, the reminder it answers). The ones the customer commits to sit
next to the verb of paying ("nous réglerons 1 000 € vendredi", "we'll wire the $2,500 by the
15th"), so the date closest to a payment word wins, dates before the received day are dropped (a
paid-on date is remittance, not a promise), and the amount is the one nearest both a payment
word and the chosen date, in the date's sentence (or anywhere, when that sentence has none). Run it on `clean_body`'s
output, so the quoted reminder and the signature's phone number or share capital are gone.

No date stated gives `promise_date=None`. The caller chooses the default; Kolleno's is the received
day + 7 days for a promise without a date (see `DEFAULT_PROMISE_DAYS`), kept out of here so a
person confirming the promise can see it was not stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from ml.inbound.amounts import find_amounts
from ml.inbound.dates import find_dates

DEFAULT_PROMISE_DAYS = 7  # Kolleno's default when a promise states no date (applied by the caller)
_EVIDENCE_MAX = 240
_PAYMENT_WORD = re.compile(
    r"\b(?:pa[iy]\w*|r[èée]gl\w*|vir\w*|vers\w*|ch[èe]que\w*|sold\w*|honor\w*|effectu\w*|procéd\w*"
    r"|settl\w*|transf[eé]r\w*|wir\w*|remit\w*|cheque\w*|check|funds?|fonds|send|envo\w*|clear\w*)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n")


@dataclass(frozen=True)
class Promise:
    """What a message promises. `evidence` is the sentence(s) the date and amount were read from.

    Amount and currency go together: a currency without a number is not recorded.
    """

    promise_date: date | None
    amount: Decimal | None
    currency: str | None
    evidence: str | None

    @property
    def stated(self) -> bool:
        return self.promise_date is not None or self.amount is not None


NO_PROMISE = Promise(None, None, None, None)


def _distance(span: tuple[int, int], cues: list[tuple[int, int]]) -> float:
    """Characters between a mention and the nearest payment word (infinite when the text has none)."""
    start, end = span
    return min((max(cue_start - end, start - cue_end, 0) for cue_start, cue_end in cues), default=float("inf"))


def _nearest(mentions, cues):
    return min(mentions, key=lambda m: (_distance((m.start, m.end), cues), m.start), default=None)


def _amount_score(amount, chosen_date, cues) -> float:
    """Closeness to a payment word plus closeness to the chosen date ("paid $500 ... will pay $1,000 on Friday")."""
    span = (amount.start, amount.end)
    to_cue = _distance(span, cues)
    to_date = _distance(span, [(chosen_date.start, chosen_date.end)]) if chosen_date else 0
    return (to_cue if cues else 0) + to_date


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, end)
    return (before[-1] if before else 0), (after.end() if after else len(text))


def _evidence(text: str, spans: list[tuple[int, int]]) -> str | None:
    if not spans:
        return None
    sentences = [_sentence_around(text, start, end) for start, end in spans]
    start, end = min(s for s, _ in sentences), max(e for _, e in sentences)
    return " ".join(text[start:end].split())[:_EVIDENCE_MAX]


def extract_promise(text: str | None, received: date | datetime) -> Promise:
    """The promised date and amount in `text` (a cleaned body), relative dates resolved against `received`."""
    if not text:
        return NO_PROMISE
    received_day = received.date() if isinstance(received, datetime) else received
    text = text.replace("\u2019", "'")
    cues = [(m.start(), m.end()) for m in _PAYMENT_WORD.finditer(text)]
    amounts = find_amounts(text)
    stated = find_dates(text, received_day, skip=[(a.start, a.end) for a in amounts])
    dates = [d for d in stated if d.day >= received_day]
    chosen_date = _nearest(dates, cues)
    if chosen_date:  # the amount promised for that date is in the same sentence, when there is one
        start, end = _sentence_around(text, chosen_date.start, chosen_date.end)
        amounts = [a for a in amounts if start <= a.start and a.end <= end] or amounts
    chosen_amount = min(amounts, key=lambda a: (_amount_score(a, chosen_date, cues), a.start), default=None)
    chosen = [(m.start, m.end) for m in (chosen_date, chosen_amount) if m is not None]
    return Promise(
        promise_date=chosen_date.day if chosen_date else None,
        amount=chosen_amount.amount if chosen_amount else None,
        currency=chosen_amount.currency if chosen_amount else None,
        evidence=_evidence(text, chosen),
    )
