"""The closed loop's oracle: Relance's planner fed the simulator's ground truth in place of the
models' scores — BENCHMARK ONLY, never part of the product's scoring path.

It fills the very rows and columns the champions would (ml.invoice_scores, ml.customer_scores,
ml.contact_send_times) through the same scoring asset of the same daily job: the closed loop
hands that asset ``OracleScores`` as its ``scores`` resource. What it writes, per row the
model would score (each spec's own ``scoring_rows``):

- payment delay: the invoice's natural days late (no reminder), a never-paid one at the write-off
  horizon; P(> 30 days late) is 0 or 1;
- self-cure: 1 when the invoice's natural payment comes within 14 days past due, else 0;
- best send time: the send-window hour where the customer's latent open rate peaks;
- next best action: each action's true effect on P(paid within 14 days) against doing nothing
  (the simulator's own open and response probabilities at that hour, zero for an invoice that
  pays within the window anyway), priced with ml/config/actions.yaml, then the same choice rule
  the model uses (ml.uplift.actions.choose).

Models the oracle knows no truth for (behaviour alerts, inbound triage) keep their champions'
scores, and there are none in an oracle run (it trains nothing).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from erp.simulator.archetypes import SELF_CURE_DAYS
from erp.simulator.behaviour import (
    BASE_PAY_IF_UNREAD,
    BOUNCE_RATE,
    hour_affinity,
    open_probability,
    response_probability,
)
from erp.simulator.history import WRITE_OFF_AFTER
from journeys.catalog import load_policy
from ml import payment_delay, self_cure
from ml.scoring import Scored
from ml.send_time import spec as send_time
from ml.uplift import actions as act
from ml.uplift import spec as uplift
from orchestration.resources import ScoresResource

VERSION = "oracle"  # ml.invoice_scores.model_version says which rows are truth, not a model
TONE = "neutral"  # the tone of a journey's reminder when an incentive is offered
GROUND_TRUTH = "ground_truth"  # erp.simulator.world's folder: latent parameters, written at creation


class OracleScores(ScoresResource):
    """The ``scores`` resource of the closed loop's oracle policy: ground truth from the world
    under ``simulator_root`` instead of the champions' predictions."""

    simulator_root: str

    def score(self, champions: dict, data: dict, as_of, apply=None) -> list:
        customers, invoices = load_truth(Path(self.simulator_root))
        truth = truth_scores(data, pd.Timestamp(as_of), customers, invoices)
        known = {s.spec.name for s in truth}
        rest = {name: c for name, c in champions.items() if name not in known}
        return truth + super().score(rest, data, as_of, apply)


def load_truth(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The world's latent customer parameters and per-invoice natural delays (its ground-truth
    folder, which the pipeline itself never reads)."""
    folder = root / GROUND_TRUTH
    customers = pd.read_parquet(folder / "customers.parquet").set_index("customer_id")
    return customers, pd.read_parquet(folder / "invoices.parquet").set_index("invoice_id")


def truth_scores(data: dict, as_of: pd.Timestamp, customers: pd.DataFrame, invoices: pd.DataFrame) -> list[Scored]:
    """One ml.scoring.Scored per model the truth replaces, on the rows that model scores."""
    empty = pd.DataFrame()
    late = natural_days_late(payment_delay.SPEC.scoring_rows(data, as_of), invoices)
    shown = late.days.clip(upper=WRITE_OFF_AFTER.days)  # a debt never paid is written off then
    delay = late[["invoice_id"]].assign(
        p10_days_late=shown, p50_days_late=shown, p90_days_late=shown, p_late_30=(late.days > 30) * 1.0
    )
    overdue = natural_days_late(self_cure.SPEC.scoring_rows(data, as_of), invoices)
    cure = overdue[["invoice_id"]].assign(p_self_cure=(overdue.days <= SELF_CURE_DAYS) * 1.0)
    contacts = send_time.SPEC.scoring_rows(data, as_of)
    actions = natural_days_late(uplift.SPEC.scoring_rows(data, as_of), invoices)
    return [
        Scored(payment_delay.SPEC, VERSION, delay, empty),
        Scored(self_cure.SPEC, VERSION, cure, empty),
        Scored(send_time.SPEC, VERSION, best_hours(contacts, customers), empty),
        Scored(uplift.SPEC, VERSION, best_actions(actions, customers, as_of), empty),
    ]


def natural_days_late(rows: pd.DataFrame, invoices: pd.DataFrame) -> pd.DataFrame:
    """The rows with ``days``: the invoice's natural days late (infinite: never paid)."""
    truth = invoices.reindex(rows.invoice_id)
    never = truth.never_pays.fillna(False).astype(bool) | truth.natural_delay.isna()
    days = truth.natural_delay.where(~never, np.inf).astype(float)
    return rows.reset_index(drop=True).assign(days=days.to_numpy())


def window_hours(policy: str = send_time.WINDOW_PROFILE) -> np.ndarray:
    """The local hours a send may start at under the contact rules the send-time model obeys."""
    rules = load_policy(policy)
    return np.arange(rules.window_start_minute // 60, -(-rules.window_end_minute // 60))


def best_hours(contacts: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """ml.contact_send_times rows: the window hour closest to the customer's true best hour."""
    truth = customers.reindex(contacts.customer_id)
    hours = window_hours()
    affinity = hour_affinity(hours[None, :], truth.best_hour.to_numpy()[:, None])
    local = hours[affinity.argmax(axis=1)]
    offset = contacts.utc_offset_hours.to_numpy()
    out = contacts[["contact_id"]].reset_index(drop=True)
    return out.assign(
        best_hour_local=local,
        best_hour_utc=np.mod(np.floor(local - offset), 24).astype(int),
        best_hour_any=truth.best_hour.to_numpy(),
        p_open_best=truth.engagement.to_numpy() * affinity.max(axis=1),
    )


def best_actions(rows: pd.DataFrame, customers: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """ml.invoice_scores' next-best-action columns from each action's true effect on
    P(paid within 14 days): none for an invoice that pays in the window anyway, else the chance
    that the message is read at the customer's best window hour and moves it to pay."""
    config = act.load()
    params = customers.reindex(rows.customer_id).reset_index()
    local = window_hours()[hour_affinity(window_hours()[None, :], params.best_hour.to_numpy()[:, None]).argmax(axis=1)]
    weekday = np.full(len(rows), (as_of + pd.Timedelta(days=1)).weekday())
    silent = (params.change_type == "goes_silent").to_numpy() & (params.change_onset <= as_of).to_numpy()
    p_open = (1 - BOUNCE_RATE) * open_probability(params, local, weekday, silent)
    days_past_due = (as_of - pd.to_datetime(rows.due_date)).dt.days.to_numpy()
    anyway = (rows.days.to_numpy() <= days_past_due + uplift.WINDOW_DAYS) * 1.0
    uplift_of = {}
    for name, action in config.items():
        incentive = np.full(len(rows), action["incentive"])
        respond = p_open * response_probability(params, np.full(len(rows), TONE), incentive) + (1 - p_open) * (
            BASE_PAY_IF_UNREAD
        )
        uplift_of[name] = (1 - anyway) * respond
    effects = pd.DataFrame(uplift_of)
    p_paid = effects.add(anyway, axis=0)
    choice, value = act.choose(act.net_values(config, effects, p_paid, rows.open_amount.astype(float).to_numpy()))
    out = rows[["invoice_id"]].reset_index(drop=True).join(effects.add_prefix("uplift_"))
    return out.assign(
        next_best_action=choice.astype(object),
        nba_expected_value=value,
        nba_reason="oracle: the simulator's true effects (benchmark only)",
        nba_incentive=choice.map({a: v["incentive"] for a, v in config.items()}).fillna("none"),
        p_paid_no_action=anyway,
    )
