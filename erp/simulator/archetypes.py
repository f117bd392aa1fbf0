"""Behavioural archetypes and the latent parameters drawn for each simulated customer.

Each archetype is a distribution over latent parameters, not a fixed behaviour, so customers of
one archetype differ as real ones do. The parameters are the simulator's causal ground truth:
models are judged on how well they recover them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from erp.codes import country_zones


@dataclass(frozen=True)
class Archetype:
    name: str
    share: float
    delay_mean: tuple[float, float]  # natural days late at settlement, drawn uniformly per customer
    delay_sd: tuple[float, float]
    never_pays: tuple[float, float]  # share of invoices never paid
    dispute_rate: tuple[float, float]
    reminder_sensitivity: tuple[float, float]  # P(pay soon | reminder read), before tone/incentive
    promise_keeping: tuple[float, float]


ARCHETYPES = (
    Archetype("punctual", 0.30, (-6, -1), (1, 3), (0, 0), (0.005, 0.02), (0.6, 0.8), (0.9, 1.0)),
    Archetype("habitual_late", 0.18, (7.8, 9.2), (0.5, 1.2), (0, 0), (0.005, 0.02), (0.1, 0.25), (0.8, 0.95)),
    Archetype("chronic_late", 0.15, (25, 55), (8, 18), (0, 0.02), (0.02, 0.05), (0.3, 0.5), (0.5, 0.8)),
    Archetype("self_curer", 0.15, (1, 7), (2, 4), (0, 0), (0.01, 0.03), (0.75, 0.95), (0.85, 1.0)),
    Archetype("high_risk", 0.12, (45, 90), (15, 30), (0.15, 0.45), (0.03, 0.08), (0.05, 0.2), (0.2, 0.5)),
    Archetype("serial_disputer", 0.10, (10, 25), (5, 10), (0, 0.02), (0.45, 0.75), (0.15, 0.3), (0.5, 0.8)),
)
BEHAVIOUR_CHANGES = ("delay_drift", "method_switch", "goes_silent", "serial_dispute")
INCENTIVE_EFFECTS = {  # mean, sd of the uplift in P(pay soon | reminder read), per customer
    "early_pay_discount": (0.10, 0.07),
    "late_fee_warning": (0.02, 0.10),
    "payment_plan": (0.00, 0.04),
    "card_payment_link": (0.03, 0.04),
}
# Message framings answer differently by archetype — the heterogeneity adaptive experiments
# must find per segment (collections practice: loss aversion moves habitual and chronic late
# payers, social proof moves customers who mostly pay on time). Mean and sd of the uplift in
# P(pay soon | reminder read), per customer; the plain reminder ("control") is the reference.
FRAMING_EFFECTS = {
    "punctual": {"loss_aversion": (-0.03, 0.03), "social_proof": (0.08, 0.03)},
    "habitual_late": {"loss_aversion": (0.10, 0.03), "social_proof": (0.00, 0.03)},
    "chronic_late": {"loss_aversion": (0.12, 0.04), "social_proof": (-0.02, 0.03)},
    "self_curer": {"loss_aversion": (-0.04, 0.03), "social_proof": (0.08, 0.03)},
    "high_risk": {"loss_aversion": (0.05, 0.04), "social_proof": (-0.02, 0.03)},
    "serial_disputer": {"loss_aversion": (-0.06, 0.03), "social_proof": (0.03, 0.03)},
}
COUNTRIES = {  # country: (currency, language, weight)
    "FR": ("EUR", "fr", 0.30),
    "BE": ("EUR", "fr", 0.06),
    "DE": ("EUR", "de", 0.10),
    "GB": ("GBP", "en", 0.14),
    "US": ("USD", "en", 0.25),
    "CA": ("CAD", "en", 0.07),
    "ES": ("EUR", "es", 0.08),
}
METHODS = ("wire", "check", "card", "direct_debit", "ach")
TERMS = (15, 30, 30, 30, 45, 60)
BEST_HOURS = np.array([8, 9, 10, 11, 13, 14, 15, 16, 17, 19, 20])
SELF_CURE_DAYS = 14


def _uniform(rng, bounds: np.ndarray) -> np.ndarray:
    return rng.uniform(bounds[:, 0], bounds[:, 1])


def sample_customers(
    rng: np.random.Generator, first_index: int, n: int, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """Draw ``n`` customers with contract attributes and latent behaviour."""
    shares = np.array([a.share for a in ARCHETYPES])
    kind = rng.choice(len(ARCHETYPES), size=n, p=shares / shares.sum())

    def param(field: str) -> np.ndarray:
        return _uniform(rng, np.array([getattr(ARCHETYPES[k], field) for k in kind]))

    countries = list(COUNTRIES)
    weights = np.array([COUNTRIES[c][2] for c in countries])
    country = np.array(countries)[rng.choice(len(countries), size=n, p=weights / weights.sum())]
    df = pd.DataFrame(
        {
            "customer_id": [f"C{first_index + i:06d}" for i in range(n)],
            "archetype": np.array([a.name for a in ARCHETYPES])[kind],
            "country": country,
            "currency": [COUNTRIES[c][0] for c in country],
            "language": [COUNTRIES[c][1] if COUNTRIES[c][1] in ("fr", "en") else "en" for c in country],
            "timezone": [country_zones()[c] for c in country],
            "payment_terms_days": rng.choice(TERMS, size=n),
            "delay_mean": param("delay_mean"),
            "delay_sd": param("delay_sd"),
            "never_pays": param("never_pays"),
            "dispute_rate": param("dispute_rate"),
            "sensitivity": param("reminder_sensitivity"),
            "promise_keeping": param("promise_keeping"),
            "tone_sensitivity": rng.uniform(-0.3, 0.5, n),
            "engagement": rng.beta(6, 3, n),
            "best_hour": rng.choice(BEST_HOURS, size=n),
            "best_weekday": rng.integers(0, 5, n),
            "response_lag": rng.uniform(1, 4, n),
            "method": rng.choice(METHODS, size=n, p=[0.35, 0.25, 0.15, 0.15, 0.10]),
            "invoice_rate": rng.lognormal(0, 0.6, n),
            "usual_amount": np.round(rng.lognormal(7.3, 1.0, n), 2),
        }
    )
    for incentive, (mean, sd) in INCENTIVE_EFFECTS.items():
        df[f"effect_{incentive}"] = rng.normal(mean, sd, n)
    # Payment plans help those who cannot pay; card links help card payers.
    df.loc[df.archetype.isin(["chronic_late", "high_risk"]), "effect_payment_plan"] += 0.18
    df.loc[df.method == "card", "effect_card_payment_link"] += 0.12
    days = (end - start).days
    created = start - pd.to_timedelta(rng.integers(30, 2000, n), unit="D")
    newcomers = rng.random(n) < 0.15
    created = created.where(~newcomers, start + pd.to_timedelta(rng.integers(0, max(days, 1), n), unit="D"))
    df["created_at"] = created.normalize()
    df["credit_limit"] = np.round(df.usual_amount * rng.choice([4, 6, 10], n), -2)
    df.loc[rng.random(n) < 0.1, "credit_limit"] = np.nan
    df["industry"] = rng.choice(
        ["manufacturing", "retail", "services", "construction", "software", "logistics", "healthcare"], n
    )
    df["account_owner"] = [f"owner_{i:02d}" for i in rng.integers(1, 25, n)]
    _add_framing_effects(rng.spawn(1)[0], df)
    _add_behaviour_changes(rng, df, start, end)
    df["self_cure_probability"] = self_cure_probability(df)
    df["self_cure"] = df.self_cure_probability >= 0.5
    return df


def _add_framing_effects(rng, df: pd.DataFrame) -> None:
    """Each customer's latent response to each framing. Drawn from a child stream of the
    world's generator, so adding framings left every other latent draw of a world unchanged."""
    for framing in ("loss_aversion", "social_proof"):
        mean, sd = (np.array([FRAMING_EFFECTS[a][framing][i] for a in df.archetype]) for i in (0, 1))
        df[f"effect_framing_{framing}"] = rng.normal(mean, sd)


def _add_behaviour_changes(rng, df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> None:
    """About one customer in eight changes behaviour, from a known onset in the last year."""
    n = len(df)
    changes = rng.random(n) < 0.12
    df["change_type"] = np.where(changes, rng.choice(BEHAVIOUR_CHANGES, n), None)
    window_start = max(start, end - pd.Timedelta(days=365))
    span = max((end - window_start).days, 1)
    onset = window_start + pd.to_timedelta(rng.integers(0, span, n), unit="D")
    df["change_onset"] = pd.Series(onset).where(changes)
    drift = df.change_type == "delay_drift"
    # "Delays drifting from ~8 to ~15 days": drifting customers start as habitual late payers.
    df.loc[drift, ["delay_mean", "delay_sd", "never_pays"]] = [8.0, 1.0, 0.0]


def self_cure_probability(df: pd.DataFrame) -> np.ndarray:
    """P(an overdue invoice is paid within 14 days past due with no reminder), from the
    customer's natural delay distribution (before any behaviour change)."""
    overdue = 1 - norm.cdf((0.5 - df.delay_mean) / df.delay_sd)
    within = norm.cdf((SELF_CURE_DAYS + 0.5 - df.delay_mean) / df.delay_sd) - norm.cdf(
        (0.5 - df.delay_mean) / df.delay_sd
    )
    return np.where(overdue > 1e-9, within / np.maximum(overdue, 1e-9), 1.0) * (1 - df.never_pays)
