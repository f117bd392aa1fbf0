"""Local wall-clock time ↔ UTC for many rows at once, one time zone at a time."""

from __future__ import annotations

import pandas as pd


def local_to_utc(local: pd.Series, zones: pd.Series) -> pd.Series:
    """Naive local datetimes in each row's zone → naive UTC datetimes."""
    out = pd.Series(pd.NaT, index=local.index, dtype="datetime64[ns]")
    for zone, idx in local.groupby(zones.to_numpy()).groups.items():
        stamped = pd.DatetimeIndex(local.loc[idx]).tz_localize(zone, ambiguous=True, nonexistent="shift_forward")
        out.loc[idx] = stamped.tz_convert("UTC").tz_localize(None)
    return out


def utc_to_local(utc: pd.Series, zones: pd.Series) -> pd.Series:
    """Naive UTC datetimes → naive local datetimes in each row's zone."""
    out = pd.Series(pd.NaT, index=utc.index, dtype="datetime64[ns]")
    for zone, idx in utc.groupby(zones.to_numpy()).groups.items():
        out.loc[idx] = pd.DatetimeIndex(utc.loc[idx]).tz_localize("UTC").tz_convert(zone).tz_localize(None)
    return out
