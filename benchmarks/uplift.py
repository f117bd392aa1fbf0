"""Incentive uplift and the next best action against the simulator's causal truth (a section of
benchmarks/models.py; runs alone on a warehouse and its world's ground_truth folder):

    python benchmarks/uplift.py WAREHOUSE GROUND_TRUTH_DIR

True effect of an action for a customer at its first reminder (erp/simulator/behaviour.py and
history.py), on P(paid within 14 days): an invoice not paid anyway is paid if the customer
answers the first reminder (friendly tone, the action's incentive) or the legacy sequence's
second one, ten days past due (neutral tone, an incentive drawn at random), which every arm but
"none" (held out of all reminders) gets; each answer is P(open) × P(respond | read, incentive)
+ P(unread) × 2 %, P(open) averaged over the randomised send hours and weekdays, and an answer
that is a promise to pay (a share per archetype) pays only if the promise is kept.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def true_effects(customers: pd.DataFrame, window_days: int = 14, first_day: int = 3) -> pd.DataFrame:
    """Customer -> the true uplift of each simulated action on P(paid within the window)."""
    from scipy.stats import norm

    from erp.simulator import behaviour
    from erp.simulator.history import LEGACY_INCENTIVES, LEGACY_STAGES

    c = customers.set_index("customer_id")
    hours = np.arange(7, 21)
    affinity = np.mean([behaviour.hour_affinity(np.full(len(c), h), c.best_hour.to_numpy()) for h in hours], axis=0)
    p_open = (1 - behaviour.BOUNCE_RATE) * c.engagement.to_numpy() * affinity * (0.2 + 0.8 * 0.8)
    share = c.archetype.map(behaviour.PROMISE_SHARE).fillna(0.05).to_numpy()
    pays = 1 - share + share * c.promise_keeping.to_numpy()  # an answer that is a promise pays if kept

    def answer(tone: str, incentive: str) -> np.ndarray:
        respond = behaviour.response_probability(c, np.full(len(c), tone), np.full(len(c), incentive))
        return pays * (p_open * respond + (1 - p_open) * behaviour.BASE_PAY_IF_UNREAD)

    overdue = 1 - norm.cdf((first_day + 0.5 - c.delay_mean) / c.delay_sd)
    paid_anyway = (
        norm.cdf((first_day + window_days + 0.5 - c.delay_mean) / c.delay_sd)
        - norm.cdf((first_day + 0.5 - c.delay_mean) / c.delay_sd)
    ) / np.maximum(overdue, 1e-9)
    not_anyway = 1 - np.clip(paid_anyway, 0, 1) * (1 - c.never_pays.to_numpy())
    second_day, second_tone = LEGACY_STAGES[1]
    second = (
        np.mean([answer(second_tone, i) for i in LEGACY_INCENTIVES], axis=0)
        if second_day - first_day < window_days
        else 0.0
    )
    out = {}
    for action in ("reminder", "early_pay_discount", "late_fee_warning", "payment_plan", "card_payment_link"):
        first = answer(LEGACY_STAGES[0][1], "none" if action == "reminder" else action)
        out[action] = not_anyway * (1 - (1 - first) * (1 - second))
    return pd.DataFrame(out, index=c.index).assign(paid_anyway=1 - not_anyway)


def true_values(true_net: pd.DataFrame, chosen: pd.Series, single: str, m: dict) -> dict[str, float]:
    """Mean true net gain over doing nothing per invoice of the model's pick, the single best
    action, the legacy random mix (at its propensities) and the oracle (the truly best action):
    what the off-policy estimates estimate, to tell a real gain from noise."""
    v = true_net.assign(none=0.0)
    legacy = sum(v[k.removeprefix("propensity_")] * e for k, e in m.items() if k.startswith("propensity_"))
    picked = v.to_numpy()[np.arange(len(v)), v.columns.get_indexer(chosen)]
    return {
        "true_gain_nba": float(picked.mean()),
        "true_gain_single_best": float(v[single].mean()),
        "true_gain_legacy": float(legacy.mean()),
        "true_gain_oracle": float(v.max(axis=1).mean()),
    }


def cross_fitted(data: dict, as_of: pd.Timestamp, folds: int = 5) -> dict[str, float]:
    """The off-policy comparison on every randomised row of the history, each valued by a model
    fitted on the other customers (``folds`` customer folds): about five times the test window's
    rows, so an interval about half as wide. Not time-ordered (a fold's model learns from later
    invoices of other customers); the features are point-in-time, so no row sees its own label."""
    from sklearn.model_selection import GroupKFold

    from ml import training
    from ml.spec import TrainingSet
    from ml.uplift import actions as act
    from ml.uplift.spec import SPEC, policy_terms, summarise

    rows = SPEC.observations(data, as_of)
    rows = rows[(rows.label_known_at <= as_of) & rows.label.notna()].reset_index(drop=True)
    full = training.training_set(SPEC, data, rows)
    part = lambda i: TrainingSet(full.X.iloc[i], full.y.iloc[i], full.rows.iloc[i])  # noqa: E731
    propensity = rows.arm.value_counts(normalize=True).to_dict()
    parts, order = [], []
    for fit_rows, eval_rows in GroupKFold(folds).split(full.X, groups=full.groups):
        train, test = part(fit_rows), part(eval_rows)
        parts.append(policy_terms(SPEC.fit(train), train, test, propensity, act.load())[0])
        order.append(eval_rows)
    terms = {m: {k: np.concatenate([t[m][k] for t in parts]) for k in parts[0][m]} for m in parts[0]}
    return summarise(terms, full.groups.to_numpy()[np.concatenate(order)]) | {"rows": float(len(rows))}


def uplift_report(truth_dir: Path, data: dict, as_of: pd.Timestamp) -> dict[str, float]:
    from ml import training
    from ml.uplift import actions as act
    from ml.uplift.spec import SPEC

    train, test, split = training.train_test(SPEC, data, as_of)
    model = SPEC.fit(train)
    m = SPEC.evaluate(model, train, test)
    truth = true_effects(pd.read_parquet(truth_dir / "customers.parquet"))
    p, uplift, _ = model.effects(test.X)
    actions = [a for a in truth.columns if a in uplift]
    true_u = truth.loc[test.groups.to_numpy(), actions].set_axis(test.X.index)
    corr = {a: float(np.corrcoef(uplift[a], true_u[a])[0, 1]) for a in actions}
    # Best action at first contact: the simulator's actions only (it has no calls).
    amount = test.X.amount_due.to_numpy()
    true_p = true_u.add(truth.paid_anyway.loc[test.groups.to_numpy()].to_numpy(), axis=0)
    true = act.net_values(model.actions, true_u, true_p, amount)
    chosen = model.predict(test.X).nba_measured  # the simulator has no calls: the pick among measured actions
    truly = act.choose(true)[0]
    first = test.rows.assign(_i=np.arange(len(test))).sort_values("as_of").drop_duplicates("customer_id")._i
    hit = (chosen.to_numpy() == truly.to_numpy())[first.to_numpy()]
    regret = true.max(axis=1).clip(lower=0) - true.where(chosen.to_numpy()[:, None] == np.array(actions)[None, :]).sum(
        axis=1
    )
    single = next(k.removeprefix("single_best_is_") for k in m if k.startswith("single_best_is_"))
    single_hit = float((truly.to_numpy()[first.to_numpy()] == single).mean())
    figures = (
        m
        | {f"corr_{a}": c for a, c in corr.items()}
        | {
            "single_best_first_contact": single_hit,
            "best_action_first_contact": float(hit.mean()),
            "customers": float(len(first)),
            "mean_regret": float(regret.mean()),
            "truly_best_share_none": float((truly == act.NO_ACTION).mean()),
        }
        | true_values(true, chosen, single, m)
    )
    print(
        f"\nsimulator: incentive uplift — train {len(train):,} randomised first reminders before "
        f"{split.cutoff.date()}, test {len(test):,}"
    )
    shares = ", ".join(f"{a.removeprefix('propensity_')} {v:.3f}" for a, v in m.items() if a.startswith("propensity_"))
    print(f"  propensities recovered: {shares}")
    print(f"  {'action':<20}{'Qini':>7}{'uplift@30%':>12}{'est. mean':>11}{'true mean':>11}{'corr':>7}")
    for a in actions[1:] + actions[:1]:
        print(
            f"  {a:<20}{m['qini_' + a]:>7.3f}{m['uplift_at30_' + a]:>12.3f}{uplift[a].mean():>11.3f}"
            f"{true_u[a].mean():>11.3f}{corr[a]:>7.2f}"
        )
    print(
        f"  chosen action truly best at first contact: {hit.mean():.1%} of {len(first)} customers (bar 80 %); "
        f"truly best is 'none' for {(truly == act.NO_ACTION).mean():.1%}; "
        f"mean regret {regret.mean():.1f} per invoice; everyone '{single}' (the single best): {single_hit:.1%}"
    )
    for other in ("single_best", "legacy"):
        for method in ("dr", "ips"):
            k = f"nba_vs_{other}_{method}"
            print(
                f"  NBA vs {other:<11} ({method.upper()}): {m[k]:+8.2f} per invoice, 95 % "
                f"[{m[k + '_lo']:+.2f}, {m[k + '_hi']:+.2f}]{'  (excludes 0)' if m[k + '_lo'] > 0 else ''}"
            )
    cross = cross_fitted(data, as_of)
    figures |= {f"crossfit_{k}": v for k, v in cross.items()}
    for other in ("single_best", "legacy"):
        k = f"nba_vs_{other}_dr"
        print(
            f"  cross-fitted on all {cross['rows']:,.0f} randomised rows (5 customer folds), NBA vs {other} (DR): "
            f"{cross[k]:+.2f} [{cross[k + '_lo']:+.2f}, {cross[k + '_hi']:+.2f}]"
            + ("  (excludes 0)" if cross[k + "_lo"] > 0 else "")
        )
    print(
        "  true net gain over doing nothing (ground truth): "
        + ", ".join(f"{k.removeprefix('true_gain_')} {v:.1f}" for k, v in figures.items() if k.startswith("true_gain_"))
        + " per invoice"
    )
    print(
        f"  net gain over doing nothing (DR): NBA {m['net_gain_dr']:.2f}, single best "
        f"{m['baseline_single_best_net_gain_dr']:.2f}, legacy {m['baseline_legacy_net_gain_dr']:.2f} per invoice"
    )
    return figures


if __name__ == "__main__":
    import duckdb

    from ml import data as ml_data

    with duckdb.connect(sys.argv[1], read_only=True) as con:
        loaded, day = ml_data.load(con), ml_data.as_of_date(con)
    uplift_report(Path(sys.argv[2]), loaded, day)
