"""Multi-treatment meta-learners with a bootstrap ensemble, and the next-best-action model built on them.

T-learner (ArmEnsemble): one outcome model per arm (doing nothing, and each action), fitted only
on that arm's randomised rows; an action's uplift is its model's P(paid) minus the no-action
model's. S-learner (PooledEnsemble): one model on every arm's rows with the arm as an input, so
what does not depend on the arm (who pays anyway) is learnt once from all rows and an effect
exists only where the trees find the arm worth splitting on: effects shrink toward zero, or
toward the population's, where an arm's rows are too few to show a difference, instead of
being the difference of two independently noisy fits. Randomisation makes each arm's rows a
sample of the same population, so either difference is causal without propensity weighting.
Each is fitted on B bootstrap resamples and the uplift computed per resample: the ensemble's
spread is the uncertainty of each effect (wide where an arm has few rows like the customer's).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from ml.history import FillEmptyColumns
from ml.uplift import actions as act

AMOUNT = "amount_due"  # the feature the net value is computed on (not a learner input)
# Many small fits: OpenMP's threads cost more than they save on them (a 12,000-row fit took
# 35 s with the default threads against 1.3 s with one, on two shared cores).
THREADS = 1


class ArmEnsemble(BaseEstimator):
    """P(outcome | x, arm) for every arm, as B bootstrap fits per arm (rows of ``X`` per arm)."""

    def __init__(self, params: dict | None = None, n_models: int = 4, seed: int = 42):
        self.params = params
        self.n_models = n_models
        self.seed = seed

    @threadpool_limits.wrap(limits=THREADS)
    def fit(self, X: pd.DataFrame, y: pd.Series, arm: pd.Series):
        rng = np.random.default_rng(self.seed)
        self.fill_ = FillEmptyColumns().fit(X)
        Xf, y, arm = self.fill_.transform(X), np.asarray(y), np.asarray(arm)
        self.arms_ = sorted(set(arm))
        self.models_ = {}
        for a in self.arms_:
            rows = np.flatnonzero(arm == a)
            self.models_[a] = [
                self._fit_one(Xf.iloc[sample], y[sample], b)
                for b, sample in enumerate(rng.choice(rows, (self.n_models, len(rows))))
            ]
        return self

    def _fit_one(self, X, y, b: int):
        if y.min() == y.max():  # an arm resample with one outcome only: a constant is its best guess
            return float(y[0])
        return HistGradientBoostingClassifier(random_state=self.seed + b, **(self.params or {})).fit(X, y)

    @threadpool_limits.wrap(limits=THREADS)
    def probabilities(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        """Arm -> (n_models × rows) array of P(outcome)."""
        Xf = self.fill_.transform(X)
        return {
            a: np.stack([np.full(len(Xf), m) if isinstance(m, float) else m.predict_proba(Xf)[:, 1] for m in models])
            for a, models in self.models_.items()
        }


class PooledEnsemble(ArmEnsemble):
    """S-learner: P(outcome | x, arm) from B bootstrap fits of one model over all rows, the arm
    one indicator column per arm (a native categorical input would store a function that the
    model registry's safe loading refuses)."""

    @threadpool_limits.wrap(limits=THREADS)
    def fit(self, X: pd.DataFrame, y: pd.Series, arm: pd.Series):
        rng = np.random.default_rng(self.seed)
        self.fill_ = FillEmptyColumns().fit(X)
        y, arm = np.asarray(y), np.asarray(arm)
        self.arms_ = sorted(set(arm))
        design = self._design(self.fill_.transform(X), arm)
        self.models_ = [
            HistGradientBoostingClassifier(random_state=self.seed + b, **(self.params or {})).fit(
                design.iloc[sample], y[sample]
            )
            for b, sample in enumerate(rng.choice(len(y), (self.n_models, len(y))))
        ]
        return self

    def _design(self, Xf: pd.DataFrame, arm) -> pd.DataFrame:
        arm = np.asarray(arm)
        return Xf.assign(**{f"_arm_{a}": (arm == a).astype(float) for a in self.arms_})

    @threadpool_limits.wrap(limits=THREADS)
    def probabilities(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        Xf = self.fill_.transform(X)
        return {
            a: np.stack([m.predict_proba(self._design(Xf, np.full(len(Xf), a)))[:, 1] for m in self.models_])
            for a in self.arms_
        }


class MetaEnsemble(BaseEstimator):
    """Several meta-learners' bootstrap fits pooled as one ensemble: the effect is their mean —
    the T-learner's unpooled estimate shrunk halfway toward the S-learner's, which shrinks an
    effect to zero where the arm's rows show none — and their disagreement counts in its spread."""

    def __init__(self, members: tuple = ()):
        self.members = members

    def fit(self, X: pd.DataFrame, y: pd.Series, arm: pd.Series):
        self.members_ = [clone(m).fit(X, y, arm) for m in self.members]
        return self

    def probabilities(self, X: pd.DataFrame) -> dict[str, np.ndarray]:
        draws = [m.probabilities(X) for m in self.members_]
        return {a: np.concatenate([d[a] for d in draws]) for a in draws[0]}


def effects(p: dict[str, np.ndarray], control: str, index) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(P(outcome) per arm, uplift per treated arm, uplift spread) from ArmEnsemble.probabilities."""
    treated = [a for a in p if a != control]
    mean = pd.DataFrame({a: v.mean(axis=0) for a, v in p.items()}, index=index)
    diffs = {a: p[a] - p[control] for a in treated}
    uplift = pd.DataFrame({a: d.mean(axis=0) for a, d in diffs.items()}, index=index)
    spread = pd.DataFrame({a: d.std(axis=0) for a, d in diffs.items()}, index=index)
    return mean, uplift, spread


class UpliftModel(BaseEstimator):
    """Uplift of each action on P(paid within the window) and the next best action; ``actions``
    are the costs of ml/config/actions.yaml (kept in the model so a score is reproducible), and
    ``evidence_z`` how many standard deviations of its estimate an action's net value must clear
    zero by to be recommended."""

    def __init__(self, ensemble: ArmEnsemble | None = None, actions: dict | None = None, evidence_z: float = 0.0):
        self.ensemble = ensemble
        self.actions = actions
        self.evidence_z = evidence_z

    def fit(self, X: pd.DataFrame, y: pd.Series, arm: pd.Series):
        self.ensemble_ = clone(self.ensemble).fit(X.drop(columns=AMOUNT), y, arm)
        self.feature_names_in_ = np.asarray(X.columns)
        return self

    def effects(self, X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(P(paid) per action and "none", uplift per action, its ensemble spread), with the
        actions never randomised (a collector's call) at their assumed effect: the reminder's
        plus a share of the invoices a reminder leaves unpaid (a call cannot hasten an invoice
        that would be paid anyway)."""
        p, uplift, spread = effects(self.ensemble_.probabilities(X.drop(columns=AMOUNT)), act.NO_ACTION, X.index)
        for name, a in self.actions.items():
            if name not in uplift and "assumed_extra_uplift" in a:
                extra = a["assumed_extra_uplift"] * (1 - p[act.REMINDER])
                uplift[name] = uplift[act.REMINDER] + extra
                p[name] = (p[act.REMINDER] + extra).clip(upper=1.0)
                spread[name] = spread[act.REMINDER]
        names = [a for a in self.actions if a in uplift]
        return p, uplift[names], spread[names]

    def decide(self, X: pd.DataFrame, measured_only: bool = False) -> tuple[pd.Series, pd.Series]:
        """(next best action, its expected net value) per row; with ``measured_only``, among the
        actions whose effect was measured (randomised in the history), the only ones an
        off-policy evaluation or the simulator's ground truth can judge."""
        return self._decide(X[AMOUNT].to_numpy(), *self.effects(X), measured_only)

    def _decide(self, amount, p, uplift, spread, measured_only: bool) -> tuple[pd.Series, pd.Series]:
        names = [a for a in uplift.columns if not (measured_only and "assumed_extra_uplift" in self.actions[a])]
        values = act.net_values(self.actions, uplift[names], p, amount)
        return act.choose(values, spread[names].mul(amount, axis=0), self.evidence_z)

    def predict(self, X: pd.DataFrame) -> pd.DataFrame:
        p, uplift, spread = self.effects(X)
        amount = X[AMOUNT].to_numpy()
        choice, value = self._decide(amount, p, uplift, spread, measured_only=False)
        out = uplift.add_prefix("uplift_")
        out["p_paid_no_action"] = p[act.NO_ACTION].to_numpy()
        out["next_best_action"] = choice.astype(object)
        out["nba_expected_value"] = value.to_numpy()
        out["nba_reason"] = act.reasons(choice, value, uplift, spread, self.actions)
        # what the journeys' `incentive: best` sends (a call or no action: an e-mail without offer)
        out["nba_incentive"] = choice.map({a: v["incentive"] for a, v in self.actions.items()}).fillna("none")
        # for evaluation only (not a score column): the pick among the measured actions
        out["nba_measured"] = self._decide(amount, p, uplift, spread, measured_only=True)[0].astype(object).to_numpy()
        return out
