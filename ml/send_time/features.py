"""The e-mail log the send-time model learns from, and each contact's point-in-time counts.

A contact's features at an instant are its e-mails whose outcome was known by then (sent more
than a day earlier: the act-within-24-hours window closed): how many were sent at each local
hour and opened, at which local hour the contact first read them, how many were sent and
opened on each weekday, and what the customer did after the opened and the unread ones.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

OUTCOME_WAIT = pd.Timedelta(days=1)
LOG_CHUNK = 250_000  # e-mails per group of contacts whose counts are computed together
SENT = [f"sent_h{h:02d}" for h in range(24)]
OPENED = [f"opened_h{h:02d}" for h in range(24)]
READ = [f"read_h{h:02d}" for h in range(24)]
WD_SENT = [f"sent_wd{d}" for d in range(7)]
WD_OPENED = [f"opened_wd{d}" for d in range(7)]
ACT_COLUMNS = ["acted_opened", "acted_unread"]
COUNTS = SENT + OPENED + READ + WD_SENT + WD_OPENED + ACT_COLUMNS
CONTEXT = ["segment", "send_weekday", "utc_offset_hours"]
FEATURES = COUNTS + CONTEXT


@lru_cache(maxsize=1024)
def utc_offset(zone: str, day: pd.Timestamp) -> float:
    """Hours the zone is ahead of UTC at noon on ``day``."""
    offset = datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(zone)).utcoffset()
    return offset.total_seconds() / 3600


def segment_of(zones: pd.Series) -> pd.Series:
    """Contacts in the same standard-time offset (a region: similar working hours and habits)
    form a segment; the January offset keeps a zone in one segment across daylight saving."""
    january = pd.Timestamp("2001-01-15")
    return zones.map({zone: utc_offset(zone, january) for zone in zones.dropna().unique()})  # per zone, not e-mail


def send_log(data: dict) -> pd.DataFrame:
    """One row per e-mail to a contact: local hour and weekday, opened, first read hour, acted;
    in the order their outcomes became known (sent_at, then message_id). The e-mails are put in
    that order first and copied once: at 100,000 customers a copy of the log is about 650 MB."""
    sends = data["sends"]
    keys = sends[["sent_at", "message_id"]].reset_index(drop=True)[sends.sent_at_local.notna().to_numpy()]
    s = sends.iloc[keys.sort_values(["sent_at", "message_id"], kind="stable").index].reset_index(drop=True)
    del keys
    s["local_hour"] = s.sent_at_local.dt.hour
    s["weekday"] = s.sent_at_local.dt.weekday
    s["opened"] = s.was_opened
    s["read_hour"] = s.first_opened_local.dt.hour.where(s.was_opened > 0)
    s["segment"] = segment_of(s.timezone)
    s["utc_offset_hours"] = (s.sent_at_local - s.sent_at).dt.total_seconds() / 3600
    s["known_at"] = s.sent_at + OUTCOME_WAIT
    return s


def one_hot_counts(log: pd.DataFrame) -> np.ndarray:
    """Each e-mail's contribution to the COUNTS columns (one row per e-mail)."""
    n = len(log)
    out = np.zeros((n, len(COUNTS)))
    rows = np.arange(n)
    opened = log.opened.to_numpy(float)
    hour, day = log.local_hour.to_numpy(int), log.weekday.to_numpy(int)
    out[rows, hour] = 1.0
    out[rows, 24 + hour] = opened
    read = log.read_hour.notna().to_numpy()
    out[rows[read], 48 + log.read_hour[read].to_numpy(int)] = 1.0
    out[rows, 72 + day] = 1.0
    out[rows, 79 + day] = opened
    acted = log.acted.to_numpy(float)
    out[:, 86] = acted * opened
    out[:, 87] = acted * (1 - opened)
    return out


def counts_before(rows: pd.DataFrame, log: pd.DataFrame) -> pd.DataFrame:
    """COUNTS of each row's contact over the e-mails known strictly before the row's ``as_of``.
    Computed per group of contacts (a contact's counts need only its own e-mails), at most about
    LOG_CHUNK e-mails at a time: the one-hot matrix of the whole log and its running sums took
    2 GB each at 100,000 customers."""
    out = np.zeros((len(rows), len(COUNTS)))
    if not (len(log) and len(rows)):
        return pd.DataFrame(out, columns=COUNTS, index=rows.index)
    groups = -(-len(log) // LOG_CHUNK)
    log_group, row_group = (_contact_group(frame.contact_id, groups) for frame in (log, rows))
    for group in range(groups):
        in_rows = np.flatnonzero(row_group == group)
        if len(in_rows):
            part = log[log_group == group]
            out[in_rows] = _counts_of_group(rows.iloc[in_rows], part.reset_index(drop=True))
    return pd.DataFrame(out, columns=COUNTS, index=rows.index)


def _contact_group(contact_ids: pd.Series, groups: int) -> np.ndarray:
    hashes = pd.util.hash_pandas_object(contact_ids, index=False).to_numpy()
    return (hashes % np.uint64(groups)).astype(np.int64)


def _counts_of_group(rows: pd.DataFrame, log: pd.DataFrame) -> np.ndarray:
    """``counts_before`` for rows whose contacts' e-mails are all in ``log`` (in known_at order)."""
    out = np.zeros((len(rows), len(COUNTS)))
    if not len(log):
        return out
    cum = pd.DataFrame(one_hot_counts(log)).groupby(log.contact_id.to_numpy()).cumsum().to_numpy()
    right = pd.DataFrame(
        {"contact_id": log.contact_id.to_numpy(), "known_at": log.known_at.to_numpy(), "pos": np.arange(len(log))}
    )
    left = pd.DataFrame(
        {"contact_id": rows.contact_id.to_numpy(), "as_of": rows.as_of.to_numpy(), "row": np.arange(len(rows))}
    ).sort_values("as_of", kind="stable")
    merged = pd.merge_asof(
        left,
        right,
        left_on="as_of",
        right_on="known_at",
        by="contact_id",
        allow_exact_matches=False,
        direction="backward",
    )
    found = merged.pos.notna().to_numpy()
    out[merged.row.to_numpy()[found]] = cum[merged.pos.to_numpy()[found].astype(int)]
    return out


def build_features(data: dict, rows: pd.DataFrame) -> pd.DataFrame:
    """Counts plus the row's context: segment, weekday and UTC offset of the send day."""
    x = counts_before(rows, send_log(data))
    for col in CONTEXT:
        x[col] = rows[col].astype(float).to_numpy()
    return x[FEATURES]
