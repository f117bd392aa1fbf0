"""Training time and scoring throughput of the models at the large simulator size.

    python benchmarks/ml_large.py --workdir DIR [--score-rows 5000000]

DIR is a workdir left by benchmarks/dbt_build.py (a warehouse with the marts built). Scoring is
measured on the open book tiled up to --score-rows invoices: features, prediction and the
write-back to DuckDB, end to end.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    import duckdb
    import numpy as np
    import pandas as pd

    from ml import data as ml_data
    from ml import payment_delay, scores, self_cure, training

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--score-rows", type=int, default=5_000_000)
    args = parser.parse_args()
    warehouse = args.workdir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        started = time.perf_counter()
        data, as_of = ml_data.load(con), ml_data.as_of_date(con)
    print(f"load: {len(data['invoices']):,} invoices in {time.perf_counter() - started:.1f} s")

    delay, cure = payment_delay.SPEC, self_cure.SPEC
    started = time.perf_counter()
    train, test, _ = training.train_test(delay, data, as_of)
    frames = time.perf_counter() - started
    model = delay.fit(train)
    delay_seconds = time.perf_counter() - started
    metrics = delay.evaluate(model, train, test)
    started = time.perf_counter()
    cure_train, *_ = training.train_test(cure, data, as_of)
    cure_model = cure.fit(cure_train)
    cure_seconds = time.perf_counter() - started
    print(
        f"training: payment delay {delay_seconds:.0f} s ({len(train):,} rows, of which features {frames:.0f} s; "
        f"test MAE {metrics['mae']:.2f} vs customer-history {metrics['baseline_customer_history_mae']:.2f}, "
        f"P10–P90 coverage {metrics['coverage_p10_p90']:.1%}); self-cure {cure_seconds:.0f} s "
        f"({len(cure_train):,} rows); peak memory {peak_mb():,.0f} MB"
    )

    open_book = delay.scoring_rows(data, as_of)
    reps = -(-args.score_rows // max(len(open_book), 1))
    tiled = pd.concat([open_book] * reps, ignore_index=True).head(args.score_rows)
    tiled["invoice_id"] = tiled.invoice_id + "#" + (np.arange(len(tiled)) // len(open_book)).astype(str)
    started = time.perf_counter()
    X = delay.features(data, tiled)
    feature_seconds = time.perf_counter() - started
    pred = model.predict(X)
    overdue = (tiled.due_date <= as_of).to_numpy()
    pred["p_self_cure"] = np.nan
    pred.loc[overdue, "p_self_cure"] = cure_model.predict(X[overdue]).p_self_cure
    predict_seconds = time.perf_counter() - started - feature_seconds
    out = (
        tiled[["invoice_id", "customer_id", "currency_code", "due_date", "open_amount"]]
        .join(pred.rename(columns=delay.score_columns))
        .assign(model_version="benchmark")
    )
    bench_db = args.workdir / "scoring_bench.duckdb"
    with duckdb.connect(str(bench_db)) as con:
        scores.write(con, str(as_of.date()), out)
    total = time.perf_counter() - started
    print(
        f"scoring (payment delay for all, self-cure for the {overdue.sum():,} overdue): "
        f"{len(tiled):,} open invoices in {total:.1f} s = {len(tiled) / total * 60:,.0f} invoices/min "
        f"(features {feature_seconds:.1f} s, prediction {predict_seconds:.1f} s, write-back "
        f"{total - feature_seconds - predict_seconds:.1f} s); peak memory {peak_mb():,.0f} MB"
    )


if __name__ == "__main__":
    main()
