"""Best send time: held-out metrics against its baselines, and the chosen hour against each
contact's true best hour in the simulator's ground truth."""

from __future__ import annotations

from pathlib import Path


def send_time_report(home: Path, data, as_of) -> None:
    """Held-out calibration and value of the chosen hour, then the chosen hours of every e-mailable
    contact against the simulator's true best hours (within ±1 h; the b2b window 08–18 caps what
    is reachable, so the truth is clipped to it — and compared unclipped for the model's ranking
    of every hour)."""
    import numpy as np
    import pandas as pd

    from ml import training
    from ml.send_time import SPEC
    from ml.send_time import evaluate as judge
    from ml.spec import TrainingSet

    train, test, split = training.train_test(SPEC, data, as_of)
    model = SPEC.fit(train)
    m = SPEC.evaluate(model, train, test)
    print(
        f"\nsimulator: best send time — train {len(train):,} e-mails before {split.cutoff.date()}, "
        f"test {len(test):,}; prior strengths κ segment {model.segment_kappa_:.1f}, level {model.level_kappa_:.1f}, "
        f"hour {model.shape_kappa_:.1f}, act {model.act_kappa_:.1f}"
    )
    print(f"  {'':<26}{'act log-loss':>13}{'act Brier':>10}{'open log-loss':>14}{'open Brier':>11}")
    for label, prefix in [
        ("model", ""),
        ("global hour rate", "baseline_global_hour_"),
        ("contact's own rate", "baseline_contact_rate_"),
    ]:
        print(
            f"  {label:<26}{m[prefix + 'act_log_loss']:>13.4f}{m[prefix + 'act_brier']:>10.4f}"
            f"{m[prefix + 'open_log_loss']:>14.4f}{m[prefix + 'open_brier']:>11.4f}"
        )
    rows = SPEC.scoring_rows(data, as_of)
    X = SPEC.features(data, rows)
    scored = TrainingSet(X, pd.Series(0, index=X.index), rows)
    policies = {"model": model.predict(X).best_hour_local.to_numpy(), **judge.baseline_hours(model, train, scored)}
    truth = pd.read_parquet(home / "simulator" / "ground_truth" / "customers.parquet").set_index("customer_id")
    true_hour = truth.best_hour.reindex(rows.customer_id).to_numpy()
    window = np.array(model.window_hours)
    ten = X.filter(like="sent_h").sum(axis=1).to_numpy() >= 10
    print(f"  {'policy':<26}{'open rate':>10}{'act rate':>9}{'±1 h of truth':>14}{'(≥ 10 e-mails)':>15}")
    for name, hours in policies.items():
        key = "" if name == "model" else f"baseline_{name}_"
        hit = np.abs(hours - np.clip(true_hour, window.min(), window.max())) <= 1
        print(
            f"  {name:<26}{m[key + 'chosen_hour_open_value']:>10.3f}{m[key + 'chosen_hour_act_value']:>9.3f}"
            f"{hit.mean():>14.1%}{hit[ten].mean():>15.1%}"
        )
    any_hit = np.abs(model.predict(X).best_hour_any.to_numpy() - true_hour) <= 1
    print(
        f"  model over every sent hour vs the unclipped truth: {any_hit.mean():.1%} ({any_hit[ten].mean():.1%} with "
        f"≥ 10 e-mails, {ten.sum()} contacts); P(act | opened) spread over send hours "
        f"{SPEC.diagnostics(model, test, home)[1]['act_given_open_hour_spread']:.3f}"
    )
