"""Incentive uplift and the next best action, as an ml.spec.ModelSpec.

For each overdue invoice: the effect of each action (plain reminder, early-pay discount,
late-fee warning, payment plan, card payment link, a collector's call) against doing nothing on
P(paid within 14 days), learnt from the legacy policy's randomised first reminders
(ml.uplift.rows), and the action of highest expected net value (ml.uplift.actions). It is judged
on what the journeys act on — the net value of following its pick — estimated off-policy on the
randomised test window against "everyone gets the single best action" and the legacy policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from ml.history import FillEmptyColumns
from ml.spec import INVOICE_SCORES, Output, TrainingSet, Window
from ml.uplift import actions as act
from ml.uplift import evaluation as ev
from ml.uplift import rows as uplift_rows
from ml.uplift.learner import AMOUNT, ArmEnsemble, MetaEnsemble, PooledEnsemble, UpliftModel

MODEL_NAME = "incentive_uplift"
EXPERIMENT = "relance-incentive-uplift"
SEED = 42
WINDOW_DAYS = 14
TEST_DAYS = 120
N_MODELS = 4  # bootstrap fits per arm: the spread of their uplifts is each effect's uncertainty
# An uplift is a difference of two fitted probabilities, so each arm's model is kept simple
# (few leaves, many rows per leaf): noise in either shows up as a fake effect.
PARAMS = {
    "max_iter": 50,
    "learning_rate": 0.05,
    "max_leaf_nodes": 4,
    "min_samples_leaf": 100,
    "l2_regularization": 5.0,
    "early_stopping": False,
}
# The S-learner's single model must fit the outcome and the arm's effect at once: more, larger
# trees than a T-learner's per-arm model, still with many rows per leaf.
POOLED_PARAMS = {
    "max_iter": 150,
    "learning_rate": 0.05,
    "max_leaf_nodes": 8,
    "min_samples_leaf": 50,
    "l2_regularization": 1.0,
    "early_stopping": False,
}
ACTIONS = tuple(act.load())


def ensemble(seed: int = SEED) -> MetaEnsemble:
    """T- and S-learner together (ml.uplift.learner.MetaEnsemble): on two simulated worlds the
    T-learner alone found segment effects but invented some, the S-learner alone shrank real ones
    (a payment plan's for chronic late payers) to almost nothing; the pair did better than either
    on the truly best action and as well as the best on net value."""
    return MetaEnsemble((ArmEnsemble(PARAMS, N_MODELS, seed), PooledEnsemble(POOLED_PARAMS, N_MODELS, seed)))


def scored_effects(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(P(paid) per action and "none", uplift per action) from the model's scores: evaluation
    reads only what predict returns, so a champion loaded through pyfunc is judged the same way."""
    uplift = scores.filter(like="uplift_").rename(columns=lambda c: c.removeprefix("uplift_"))
    p = uplift.add(scores.p_paid_no_action, axis=0).clip(0.0, 1.0).assign(**{act.NO_ACTION: scores.p_paid_no_action})
    return p, uplift


def predicted_rewards(scores: pd.DataFrame, amount: pd.Series, arms: list[str], actions: dict) -> pd.DataFrame:
    """Each arm's predicted net value per row ("none": the amount × P(paid anyway))."""
    p, uplift = scored_effects(scores)
    return act.arm_rewards(actions, p, uplift, amount.to_numpy(), arms)


def policy_terms(
    model: UpliftModel, train: TrainingSet, test: TrainingSet, propensity: dict[str, float], actions: dict
) -> tuple[dict[str, dict[str, np.ndarray]], np.ndarray, str]:
    """({"dr"|"ips": {policy: per-row terms whose mean is its net value}}, the model's pick, the
    single best action) on the randomised ``test`` rows, for the model's pick among the
    randomised actions (one never randomised, a call, cannot be judged), the single best action
    (on the training rows), the legacy policy and doing nothing. Doubly robust: every policy —
    the legacy one too, whose arm probabilities are the propensities — is valued by the same
    estimator, so the differences are paired and the outcome model's predictions cancel part of
    the amounts' noise."""
    arms = sorted(propensity)
    r = act.reward(actions, test.rows.arm, test.y, test.X[AMOUNT])
    scores = model.predict(test.X)  # a champion loaded through pyfunc is judged on what it returns
    predicted = predicted_rewards(scores, test.X[AMOUNT], arms, actions)
    nba = scores.nba_measured.to_numpy()
    single = act.single_best(actions, train.rows.arm, train.y, train.X[AMOUNT])
    policies = {"nba": nba, "single_best": np.full(len(r), single), "none": np.full(len(r), act.NO_ACTION)}
    arm = test.rows.arm.to_numpy()
    own = predicted.to_numpy()[np.arange(len(r)), predicted.columns.get_indexer(arm)]
    legacy = {"dr": predicted.mul(pd.Series(propensity)[arms]).sum(axis=1).to_numpy() + r - own, "ips": r}
    terms = {
        method: {k: ev.policy_terms(v, arm, propensity, r, pred) for k, v in policies.items()}
        | {"legacy": legacy[method]}
        for method, pred in (("dr", predicted), ("ips", None))
    }
    return terms, nba, single


def summarise(terms: dict[str, dict[str, np.ndarray]], groups: np.ndarray) -> dict[str, float]:
    """Net gains over doing nothing and the model's pick against the single best action and the
    legacy policy, with 95 % intervals clustered by ``groups`` (customers)."""
    metrics = {}
    for method, t in terms.items():
        metrics[f"net_gain_{method}"] = float((t["nba"] - t["none"]).mean())
        metrics[f"baseline_single_best_net_gain_{method}"] = float((t["single_best"] - t["none"]).mean())
        metrics[f"baseline_legacy_net_gain_{method}"] = float((t["legacy"] - t["none"]).mean())
        for other in ("single_best", "legacy"):
            mean, lo, hi = ev.mean_interval(t["nba"] - t[other], groups)
            metrics |= {
                f"nba_vs_{other}_{method}": mean,
                f"nba_vs_{other}_{method}_lo": lo,
                f"nba_vs_{other}_{method}_hi": hi,
            }
    return metrics


@dataclass(frozen=True)
class IncentiveUplift:
    """The incentive-uplift / next-best-action model as an ml.spec.ModelSpec."""

    name: ClassVar[str] = MODEL_NAME
    experiment: ClassVar[str] = EXPERIMENT
    description: ClassVar[str] = (
        "Incentive uplift: the effect of each dunning action on P(paid within 14 days) against no action, "
        "learnt from the legacy policy's randomised incentives and holdout; next best action by net value."
    )
    params: ClassVar[dict] = (
        PARAMS
        | {f"pooled_{k}": v for k, v in POOLED_PARAMS.items()}
        | {
            "window_days": WINDOW_DAYS,
            "n_models": N_MODELS,
            "learner": "T-learner + S-learner",
            "actions": ",".join(ACTIONS),
        }
    )
    window: ClassVar[Window] = Window(TEST_DAYS, WINDOW_DAYS + 1)
    feature_set: ClassVar[str] = "invoice_uplift"
    output: ClassVar[Output] = INVOICE_SCORES
    score_columns: ClassVar[dict[str, str]] = {
        **{f"uplift_{a}": f"uplift_{a}" for a in ACTIONS},
        "next_best_action": "next_best_action",
        "nba_expected_value": "nba_expected_value",
        "nba_reason": "nba_reason",
        "nba_incentive": "nba_incentive",
        "p_paid_no_action": "p_paid_no_action",
    }
    trusted_types: ClassVar[tuple[type, ...]] = (
        UpliftModel,
        MetaEnsemble,
        ArmEnsemble,
        PooledEnsemble,
        FillEmptyColumns,
    )

    def observations(self, data: dict, known_until: pd.Timestamp) -> pd.DataFrame:
        return uplift_rows.randomised(data, WINDOW_DAYS, known_until)

    def features(self, data: dict, rows: pd.DataFrame) -> pd.DataFrame:
        return uplift_rows.features(data, rows)

    def fit(self, train: TrainingSet) -> UpliftModel:
        model = UpliftModel(ensemble(), act.load(), act.evidence_z())
        return model.fit(train.X, train.y, train.rows.arm)

    def evaluate(self, model, train: TrainingSet, test: TrainingSet) -> dict[str, float]:
        """Qini and uplift@30 % per action; propensities; the doubly robust (and IPS) net gain
        over doing nothing of the model's pick, of the single best action (chosen on the
        training rows) and of the legacy policy, with 95 % intervals of the differences."""
        arm, y = test.rows.arm, test.y
        propensity = train.rows.arm.value_counts(normalize=True).to_dict()
        metrics = {f"propensity_{a}": float(p) for a, p in propensity.items()}
        scores = model.predict(test.X)
        _, uplift = scored_effects(scores)
        arms = sorted(propensity)  # the randomised arms: an action never logged (a call) cannot be judged
        treated = [a for a in arms if a != act.NO_ACTION]
        for a in treated:
            rows = arm.isin([a, act.NO_ACTION]).to_numpy()
            t, score = (arm[rows] == a).to_numpy(), uplift[a][rows]
            metrics[f"qini_{a}"] = ev.qini_coefficient(y[rows], t, score)
            metrics[f"uplift_at30_{a}"] = ev.uplift_at_k(y[rows], t, score)
        metrics["qini_mean"] = float(np.nanmean([metrics[f"qini_{a}"] for a in treated]))
        metrics["baseline_random_qini_mean"] = 0.0
        return metrics | self.policy_metrics(model, train, test, propensity)

    def policy_metrics(
        self,
        model: UpliftModel,
        train: TrainingSet,
        test: TrainingSet,
        propensity: dict[str, float],
        actions: dict | None = None,
    ) -> dict[str, float]:
        """Off-policy net gains of the model's pick, the single best action and the legacy
        policy over doing nothing, with 95 % intervals of the differences (see policy_terms)."""
        terms, nba, single = policy_terms(model, train, test, propensity, act.load() if actions is None else actions)
        shares = {f"nba_share_{a}": float((nba == a).mean()) for a in sorted(propensity)}
        return shares | summarise(terms, test.groups.to_numpy()) | {"single_best_is_" + single: 1.0}

    def diagnostics(self, model, test: TrainingSet, folder: Path) -> tuple[list[Path], dict[str, float]]:
        from ml.uplift import plots  # matplotlib: only where plots are drawn

        _, uplift = scored_effects(model.predict(test.X))
        treated = [a for a in uplift.columns if a in set(test.rows.arm)]
        return plots.qini_and_deciles(test.y, test.rows.arm, uplift[treated], folder), {}

    def scoring_rows(self, data: dict, as_of: pd.Timestamp) -> pd.DataFrame:
        """Every open invoice already past due, observed after the as-of day."""
        inv = data["invoices"]
        rows = inv[(inv.open_amount > 0) & (inv.due_date <= as_of)].copy()
        rows["as_of"] = as_of + pd.Timedelta(days=1)
        return rows


SPEC = IncentiveUplift()
