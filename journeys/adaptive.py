"""Adaptive experiments: each day, per experiment and segment, how much of the traffic each arm
gets, decided by Thompson sampling on the arms' paid-within-the-window evidence.

Why Thompson sampling: it sends traffic to an arm in proportion to the posterior probability
that the arm is the best one, so a segment's traffic drifts to what works for *that* segment
while the others keep being tested — collections' test-and-learn, without a fixed end date.
The holdout is not part of the allocation: it is drawn per customer from a fixed share
(journeys.experiments.arm), so the measure of what reminders change never erodes. An arm that is
worse than the best with high posterior probability, on enough matured exposures, is retired.
Every decision is returned with its evidence, for mart_experiment_results.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

ALLOCATION_COLUMNS = [
    "experiment",
    "segment",
    "variant",
    "exposures_matured",
    "exposures_paid",
    "prob_best",
    "arm_status",
    "allocated_share",
    "allocation_reason",
]
DECISION_COLUMNS = ["as_of_date", "send_day", *ALLOCATION_COLUMNS]  # journeys.experiment_allocations


@dataclass(frozen=True)
class Adaptive:
    """How an experiment adapts (experiments.yaml `adaptive:`)."""

    retire_probability: float = 0.95  # retire when P(arm is not the best) reaches this
    min_matured: int = 30  # matured exposures an arm needs before it may be retired
    floor_share: float = 0.05  # share of the tested traffic every active arm keeps
    draws: int = 4000  # posterior draws per decision


def parse(raw: dict | None, arms: int) -> Adaptive | None:
    """The `adaptive:` block, or None for a fixed-share experiment. Raises ValueError with the
    field at fault: the floors of all arms must leave room to adapt."""
    if raw is None:
        return None
    unknown = set(raw) - set(Adaptive.__dataclass_fields__)
    if unknown:
        raise ValueError(f"adaptive: unknown setting(s) {', '.join(sorted(unknown))}")
    adaptive = Adaptive(**raw)
    if not 0.5 < adaptive.retire_probability < 1:
        raise ValueError("adaptive.retire_probability must be between 0.5 and 1")
    if not 0 <= adaptive.floor_share * arms < 1:
        raise ValueError(f"adaptive.floor_share × {arms} arms must stay below 1")
    if adaptive.min_matured < 1 or adaptive.draws < 100:
        raise ValueError("adaptive.min_matured must be ≥ 1 and adaptive.draws ≥ 100")
    return adaptive


def allocate(
    name: str, arms: list[str], adaptive: Adaptive, evidence: pd.DataFrame, segment: str, day: pd.Timestamp
) -> pd.DataFrame:
    """One segment's decision for ``day``: share of the tested (non-holdout) traffic per arm.

    ``evidence`` holds matured and paid exposures per arm (columns variant, exposures_matured,
    exposures_paid); an arm with none starts from the uniform Beta(1, 1) prior. The draws are
    seeded by experiment, segment and day, so re-planning a day decides the same.
    """
    counts = (
        evidence.set_index("variant").reindex(arms)[["exposures_matured", "exposures_paid"]].astype(float).fillna(0)
    )
    matured, paid = counts.exposures_matured.to_numpy(float), counts.exposures_paid.to_numpy(float)
    rng = np.random.default_rng(_seed(name, segment, day))
    samples = rng.beta(1 + paid, 1 + matured - paid, size=(adaptive.draws, len(arms)))
    prob_best = np.bincount(samples.argmax(axis=1), minlength=len(arms)) / adaptive.draws
    leader = int(prob_best.argmax())
    retired = (1 - prob_best >= adaptive.retire_probability) & (matured >= adaptive.min_matured)
    retired[leader] = False
    weights = np.where(retired, 0.0, prob_best)
    active = ~retired
    share = np.where(
        active, adaptive.floor_share + (1 - adaptive.floor_share * active.sum()) * weights / weights.sum(), 0.0
    )
    frame = pd.DataFrame(
        {
            "experiment": name,
            "segment": segment,
            "variant": arms,
            "exposures_matured": matured.astype(int),
            "exposures_paid": paid.astype(int),
            "prob_best": prob_best.round(4),
            "arm_status": np.where(retired, "retired", np.where(np.arange(len(arms)) == leader, "leading", "testing")),
            "allocated_share": share.round(4),
        }
    )
    frame["allocation_reason"] = [_reason(row, adaptive) for row in frame.itertuples()]
    return frame[ALLOCATION_COLUMNS]


def pick(allocation: pd.DataFrame, draw: float) -> str:
    """The arm a unit draw in [0, 1) falls in, by cumulative allocated share (arms in order)."""
    edges = allocation.allocated_share.cumsum().to_numpy()
    index = int(np.searchsorted(edges / edges[-1], draw, side="right"))
    return str(allocation.variant.iloc[min(index, len(allocation) - 1)])


def _reason(row, adaptive: Adaptive) -> str:
    evidence = f"{row.exposures_paid}/{row.exposures_matured} paid, P(best) {row.prob_best:.2f}"
    if row.arm_status == "retired":
        return f"retired: worse than the best with probability {1 - row.prob_best:.2f} ({evidence})"
    if row.arm_status == "leading":
        return f"leading: most likely the best arm ({evidence})"
    if row.exposures_matured < adaptive.min_matured:
        return f"testing: {row.exposures_matured} of the {adaptive.min_matured} matured exposures needed ({evidence})"
    return f"testing: could still be the best ({evidence})"


def _seed(*parts) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")
