"""Deterministic experiment arms: the same customer always lands in the same arm of an
experiment, on every run and every machine, without storing a random draw."""

from __future__ import annotations

import hashlib

import pandas as pd

from journeys.catalog import Experiment

HOLDOUT = "holdout"


def unit_draw(experiment: str, customer_id: str) -> float:
    digest = hashlib.sha256(f"{experiment}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def arm(experiment: Experiment, customer_id: str) -> str:
    """Holdout first, then the variants in their configured order, by cumulative share."""
    draw = unit_draw(experiment.name, customer_id)
    edge = experiment.holdout_share
    if draw < edge:
        return HOLDOUT
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
