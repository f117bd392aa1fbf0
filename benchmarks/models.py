"""Model vs named baselines on the time-ordered test window, for the simulator and the IBM
accounts-receivable sample (through its adapter); the incentive uplift against the simulator's
ground truth (benchmarks/uplift.py) and on the Hillstrom e-mail experiment (benchmarks/hillstrom.py).

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

from benchmarks.model_reports.alerts import alerts_report  # noqa: E402
from benchmarks.model_reports.delay_buckets import bucket_report  # noqa: E402
from benchmarks.model_reports.send_time import send_time_report  # noqa: E402
from benchmarks.model_reports.triage import triage_report  # noqa: E402

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


def delay_report(name: str, data, as_of, spec, by_days_overdue: bool = True) -> None:
    from ml import training

    started = time.perf_counter()
    train, test, split = training.train_test(spec, data, as_of)
    model = spec.fit(train)
    m = spec.evaluate(model, train, test)
    print(
        f"\n{name}: payment delay — train {len(train):,} rows before {split.cutoff.date()}, "
        f"test {len(test):,} rows {split.cutoff.date()} … {split.end.date()} ({time.perf_counter() - started:.0f} s)"
    )
    print(f"  {'':<26}{'MAE':>7}{'RMSE':>7}{'pinball P50':>12}{'P10–P90 cover':>14}{'late/on-time acc':>17}")
    for label, prefix in [
        ("model", ""),
        ("customer-history baseline", "baseline_customer_history_"),
        ("always on time", "baseline_always_on_time_"),
    ]:
        print(
            f"  {label:<26}{m[prefix + 'mae']:>7.2f}{m[prefix + 'rmse']:>7.2f}{m[prefix + 'pinball_p50']:>12.2f}"
            f"{m[prefix + 'coverage_p10_p90']:>14.1%}{m[prefix + 'late_accuracy']:>17.1%}"
        )
    print(
        f"  P(> 30 days late): ROC AUC {m['late30_roc_auc']:.3f} "
        f"(baseline {m['baseline_customer_history_late30_roc_auc']:.3f}), "
        f"Brier {m['late30_brier']:.3f} (baseline {m['baseline_customer_history_late30_brier']:.3f})"
    )
    if by_days_overdue:
        bucket_report(model, data, train, split, as_of)


def self_cure_report(home: Path, data, as_of) -> None:
    import pandas as pd

    from ml import self_cure, training

    spec = self_cure.SPEC
    train, test, _ = training.train_test(spec, data, as_of)
    model = spec.fit(train)
    m = spec.evaluate(model, train, test)
    truth = pd.read_parquet(home / "simulator" / "ground_truth" / "customers.parquet").set_index("customer_id")
    ranked = (
        pd.Series(model.predict(test.X).p_self_cure.to_numpy(), index=test.groups.to_numpy()).groupby(level=0).mean()
    )
    top = ranked.sort_values(ascending=False).head(max(10, len(ranked) // 10))
    print(f"\nsimulator: self-cure — train {len(train):,} held-out overdue invoices, test {len(test):,}")
    print(
        f"  model ROC AUC {m['roc_auc']:.3f}, Brier {m['brier']:.3f}; customer-history baseline ROC AUC "
        f"{m['baseline_customer_history_roc_auc']:.3f}, Brier {m['baseline_customer_history_brier']:.3f}"
    )
    print(
        f"  precision among the top {len(top)} customers it marks most likely vs ground truth: "
        f"{truth.self_cure.loc[top.index].mean():.1%} (base rate {truth.self_cure.loc[ranked.index].mean():.1%})"
    )
    # The held-out selection needs one invoice of the quarter paid > 5 days late (see
    # self_cure.held_out_quarters): its label rate against the customers' true self-cure probability.
    rows = pd.concat([train.rows, test.rows])
    expected = truth.self_cure_probability.loc[rows.customer_id].mean()
    print(
        f"  selection bias: self-cure rate of the selected rows {rows.label.mean():.1%} vs {expected:.1%} "
        f"expected from the ground truth of their customers ({(rows.label.mean() - expected) * 100:+.1f} points)"
    )


def main() -> None:
    import pandas as pd

    from benchmarks import hillstrom, uplift
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
        uplift.uplift_report(sim / "simulator" / "ground_truth", data, as_of)
        if hillstrom.CSV.exists():
            hillstrom.report(hillstrom.evaluate())
        else:
            print(f"\nHillstrom data not found at {hillstrom.CSV}: skipped")
        if args.skip_ibm:
            return
        if not IBM_CSV.exists():
            print(f"\nIBM sample not found at {IBM_CSV}: skipped")
            return
        ibm = Path(tmp) / "ibm"
        pipeline(ibm, {"RELANCE_ERP_ADAPTER": f"ibm_ar:{IBM_CSV}"})
        data, as_of = load(ibm)
        # Predict at the invoice date; DaysLate floors at 0; train on invoices issued up to mid-2013.
        delay_report(
            "IBM sample",
            data,
            as_of,
            PaymentDelay(
                Options(
                    observe_at="issue_date", floor_at_zero=True, cutoff=pd.Timestamp("2013-07-01"), label_wait_days=0
                )
            ),
            by_days_overdue=False,  # settled invoices only: there is no open book to score
        )


if __name__ == "__main__":
    main()
