"""Deterministic experiment arms: the same customer always lands in the same arm of an
experiment, on every run and every machine, without storing a random draw."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from journeys import adaptive

HOLDOUT = "holdout"


@dataclass(frozen=True)
class Experiment:
    name: str
    description: str
    journeys: tuple[str, ...]
    holdout_share: float
    variants: dict[str, float] = field(default_factory=dict)
    started_on: pd.Timestamp | None = None
    adaptive: adaptive.Adaptive | None = None  # None: the configured shares hold for the whole experiment


def experiment_from(name: str, raw: dict) -> Experiment:
    """One experiment of experiments.yaml; ValueError names what is wrong."""
    variants = {str(k): float(v) for k, v in (raw.get("variants") or {}).items()}
    total = sum(variants.values()) + float(raw.get("holdout_share", 0))
    if not variants or abs(total - 1) > 1e-9:
        raise ValueError(f"variant shares plus holdout_share must add up to 1, got {total:g}")
    started = raw.get("started_on")
    return Experiment(
        name=name,
        description=str(raw.get("description", "")),
        journeys=tuple(raw.get("journeys") or ()),
        holdout_share=float(raw.get("holdout_share", 0)),
        variants=variants,
        started_on=pd.Timestamp(started) if started else None,
        adaptive=adaptive.parse(raw.get("adaptive"), len(variants)),
    )


def unit_draw(experiment: str, customer_id: str) -> float:
    digest = hashlib.sha256(f"{experiment}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def arm(
    experiment: Experiment, customer_id: str, allocation: pd.DataFrame | None = None, day: pd.Timestamp | None = None
) -> str:
    """Holdout first (a fixed share of customers, whatever the allocation), then the variants:
    by the configured shares, or — adaptive — by the day's allocation with a fresh draw per
    customer and day, so traffic follows the evidence."""
    draw = unit_draw(experiment.name, customer_id)
    edge = experiment.holdout_share
    if draw < edge:
        return HOLDOUT
    if allocation is not None:
        return adaptive.pick(allocation, unit_draw(f"{experiment.name}:{day:%Y-%m-%d}", customer_id))
    for variant, share in experiment.variants.items():
        edge += share
        if draw < edge:
            return variant
    return list(experiment.variants)[-1]  # rounding at the top edge


def experiment_for(experiments: tuple[Experiment, ...], journey: str, day: pd.Timestamp) -> Experiment | None:
    for experiment in experiments:
        if journey in experiment.journeys and (experiment.started_on is None or day >= experiment.started_on):
            return experiment
    return None


class DayAllocations:
    """One day's adaptive decisions, each (experiment, segment) decided once, when a message of
    it is first planned, from the evidence of the last results before the day."""

    def __init__(self, evidence: pd.DataFrame, as_of: pd.Timestamp, send_day: pd.Timestamp):
        self.evidence, self.as_of, self.send_day = evidence, as_of, send_day
        self.decided: dict[tuple[str, str], pd.DataFrame] = {}

    def arm(self, experiment: Experiment, customer_id: str, segment: str) -> str:
        if not experiment.adaptive:
            return arm(experiment, customer_id)
        key = (experiment.name, segment)
        if key not in self.decided:
            rows = self.evidence[(self.evidence.experiment == experiment.name) & (self.evidence.segment == segment)]
            arms = list(experiment.variants)
            self.decided[key] = adaptive.allocate(
                experiment.name, arms, experiment.adaptive, rows, segment, self.send_day
            )
        return arm(experiment, customer_id, self.decided[key], self.send_day)

    def decisions(self) -> pd.DataFrame:
        """Every decision of the day, dated, for journeys.experiment_allocations."""
        if not self.decided:
            return pd.DataFrame(columns=adaptive.DECISION_COLUMNS)
        decided = pd.concat(self.decided.values(), ignore_index=True)
        dated = decided.assign(as_of_date=self.as_of.normalize(), send_day=self.send_day)
        return dated[adaptive.DECISION_COLUMNS]
