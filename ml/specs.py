"""Every model the pipeline trains, scores and drift-monitors, in scoring order (a later model
reuses the features an earlier one computed for the same rows). A new model is a spec here."""

from __future__ import annotations

from ml import payment_delay, self_cure, send_time
from ml.alerts import spec as behaviour_change
from ml.inbound import triage
from ml.spec import ModelSpec
from ml.uplift import spec as incentive_uplift

SPECS: tuple[ModelSpec, ...] = (
    payment_delay.SPEC,
    self_cure.SPEC,
    send_time.SPEC,
    incentive_uplift.SPEC,
    behaviour_change.SPEC,
    triage.SPEC,
)


def by_name(name: str) -> ModelSpec:
    return next(spec for spec in SPECS if spec.name == name)
