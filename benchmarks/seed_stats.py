"""The arithmetic of the closed loop over seeds (benchmarks/closed_loop_seeds.py): paired
differences between policies with 95 % intervals, reminders against static, and the share of
the oracle's gain over static a policy captures.

The interval is a paired t-interval across seeds (n − 1 degrees of freedom). The seed — one
simulated company — is the independent unit: within a company the customers are not
independent under a policy (the models are trained and retrained on all of them, the adaptive
experiments share what one customer's answer teaches with the next, the contact caps and the
collectors' calls are shared), so resampling customers would understate the spread that the
single-seed runs showed to be as large as the gain. Pairing (every policy on a copy of the same
company) removes the between-company spread of the level. Five seeds give a wide but honest
interval (t = 2.78 for 4 degrees of freedom).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Interval:
    mean: float
    low: float
    high: float
    n: int

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        return f"{self.mean:+.3f} [{self.low:+.3f}, {self.high:+.3f}]"


def paired_interval(a: list[float], b: list[float], level: float = 0.95) -> Interval:
    """Mean of the per-seed differences ``a − b`` and its t-interval; a single seed has none (NaN)."""
    d = np.asarray(a, float) - np.asarray(b, float)
    n, mean = len(d), float(d.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    half = stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def change_pct(a: list[float], b: list[float]) -> float:
    """How much more ``a`` is than ``b`` in total over the seeds, in % (negative: fewer)."""
    return 100 * (sum(a) / sum(b) - 1)


def oracle_share(static: float, policy: float, oracle: float) -> float:
    """Share of the oracle's reduction of a lower-is-better figure (days due → paid) below static
    that ``policy`` achieves: 1 matches the oracle, 0 does no better than static; NaN when the
    oracle gains nothing over static (no gain to share)."""
    gain = static - oracle
    return (static - policy) / gain if gain > 0 else math.nan


def figure(runs: dict, policy: str, key: str, seeds: list[int]) -> list[float]:
    """One figure of one policy, seed by seed (``runs``: (seed, policy) -> figures)."""
    return [float(runs[(seed, policy)][key]) for seed in seeds]


def archetype_days(runs: dict, policy: str, archetype: str, seeds: list[int]) -> float:
    """Mean days due → paid of one archetype over the seeds, weighted by its invoices."""
    rows = [runs[(seed, policy)]["by_archetype"].get(archetype) for seed in seeds]
    rows = [r for r in rows if r and r["invoices"]]
    total = sum(r["invoices"] for r in rows)
    return sum(r["mean_days"] * r["invoices"] for r in rows) / total if total else math.nan
