"""How a simulated customer reacts to one reminder: the causal model behind every send.

The same function drives the legacy policy's history and the reminders Relance sends later, so
what a model learns from history is what the world does when Relance acts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TONE_WEIGHT = {"friendly": 0.0, "neutral": 0.3, "firm": 1.0, "final": 1.5}
BASE_PAY_IF_UNREAD = 0.02
CLICK_RATE = 0.35
UNSUBSCRIBE_RATE = 0.004
BOUNCE_RATE = 0.015
PROMISE_SHARE = {"chronic_late": 0.45, "high_risk": 0.5, "serial_disputer": 0.3}


def hour_affinity(local_hour: np.ndarray, best_hour: np.ndarray) -> np.ndarray:
    """1 at the customer's best hour, falling off over about two hours either side."""
    diff = np.abs(local_hour - best_hour) % 24
    diff = np.minimum(diff, 24 - diff)
    return 0.3 + 0.7 * np.exp(-(diff**2) / (2 * 1.5**2))


def open_probability(params: pd.DataFrame, local_hour, weekday, silent) -> np.ndarray:
    weekday_factor = np.where(np.asarray(weekday) == params.best_weekday.to_numpy(), 1.0, 0.8)
    p = params.engagement.to_numpy() * hour_affinity(np.asarray(local_hour), params.best_hour.to_numpy())
    return p * weekday_factor * np.where(silent, 0.05, 1.0)


def response_probability(params: pd.DataFrame, tone, incentive, variant=None) -> np.ndarray:
    """P(the customer pays soon | the reminder was read): sensitivity, tone, incentive and the
    message's framing (an experiment's variant; none in the legacy history)."""
    tone_weight = pd.Series(tone).map(TONE_WEIGHT).to_numpy()
    p = params.sensitivity.to_numpy() * (1 + params.tone_sensitivity.to_numpy() * tone_weight)
    effect = np.zeros(len(params))
    incentive = np.asarray(incentive)
    for name in ("early_pay_discount", "late_fee_warning", "payment_plan", "card_payment_link"):
        mask = incentive == name
        effect[mask] = params[f"effect_{name}"].to_numpy()[mask]
    variant = pd.Series([None] * len(params) if variant is None else variant, dtype="string")
    for framing in ("loss_aversion", "social_proof"):
        column = f"effect_framing_{framing}"
        if column in params:  # worlds generated before framings existed have no such effect
            mask = variant.eq(framing).fillna(False).to_numpy(dtype=bool)
            effect[mask] += params[column].to_numpy()[mask]
    return np.clip(p + effect, 0.0, 0.97)


def reminder_outcomes(
    rng: np.random.Generator, params: pd.DataFrame, local_hour, weekday, tone, incentive, silent, variant=None
) -> pd.DataFrame:
    """Draw what each send leads to. ``params`` holds the recipient customer's latent row per
    send, aligned with the other arguments."""
    n = len(params)
    bounced = rng.random(n) < BOUNCE_RATE
    opened = ~bounced & (rng.random(n) < open_probability(params, local_hour, weekday, silent))
    # Opens cluster around the customer's best hour: reading waits for it.
    wait = (np.asarray(params.best_hour) - np.asarray(local_hour)) % 24
    open_delay_h = np.where(rng.random(n) < 0.6, rng.uniform(0.02, 1.5, n), wait + rng.normal(0, 0.7, n))
    open_delay_h = np.clip(open_delay_h, 0.01, 30)
    clicked = opened & (rng.random(n) < CLICK_RATE)
    unsubscribed = opened & (rng.random(n) < UNSUBSCRIBE_RATE)
    pay_p = np.where(opened, response_probability(params, tone, incentive, variant), BASE_PAY_IF_UNREAD)
    responded = ~bounced & (rng.random(n) < pay_p)
    lag = 1 + rng.poisson(params.response_lag.to_numpy())
    promise = responded & (rng.random(n) < pd.Series(params.archetype).map(PROMISE_SHARE).fillna(0.05).to_numpy())
    kept = rng.random(n) < params.promise_keeping.to_numpy()
    promise_days = rng.integers(5, 15, n)
    return pd.DataFrame(
        {
            "bounced": bounced,
            "opened": opened,
            "open_delay_h": open_delay_h,
            "clicked": clicked,
            "unsubscribed": unsubscribed,
            "responded": responded & ~promise,
            "lag_days": lag,
            "promised": promise,
            "promise_kept": kept,
            "promise_days": promise_days,
        }
    )
