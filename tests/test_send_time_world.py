"""The send-time model on the small simulated world, end to end: the marts built by dbt, one
training run through ml.training.run_training on a real MLflow store, the champion scoring
ml.contact_send_times, and dbt filling the 360's best_send_hour from it for the contact the
planner writes to. Judged against the simulator's ground truth (which the pipeline never reads)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from journeys import book, policy
from ml import data as ml_data
from ml import registry, scores, scoring, training
from ml.send_time import SPEC
from ml.send_time.spec import window_hours
from tests.conftest import SMALL_WORLD_END, dbt_invoke

ROOT = Path(__file__).resolve().parents[1]


def dbt_run(warehouse: Path, root: Path, select: str) -> None:
    """``dbt run`` of a selection (contracts enforced; the data tests belong to whole builds)."""
    result = dbt_invoke(warehouse, root, SMALL_WORLD_END, "run", "--select", select)
    assert result.success, result.exception


@pytest.fixture(scope="module")
def trained(small_world, tmp_path_factory):
    from erp.contract import load_order
    from erp.ingest import load_table

    root = tmp_path_factory.mktemp("send_time")
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for table in load_order():
            load_table(con, small_world.emit(SMALL_WORLD_END), table, SMALL_WORLD_END.isoformat())
    dbt_run(
        warehouse,
        root,
        " ".join(
            f"+{m}"
            for m in (
                "fct_invoices",
                "fct_payments",
                "fct_disputes",
                "fct_promises_to_pay",
                "fct_contacts",
                "dim_contacts",
                "fct_inbound_messages",
            )
        ),
    )
    with duckdb.connect(str(warehouse)) as con:
        data, as_of = ml_data.load(con), ml_data.as_of_date(con)
    registry.connect(f"sqlite:///{root / 'mlflow.db'}", root / "artifacts")
    result = training.run_training(SPEC, data, as_of)
    champion = scoring.load_champions([SPEC])[SPEC.name]
    scored = scoring.score(champion, data, as_of)
    with duckdb.connect(str(warehouse)) as con:
        scores.write(con, str(as_of.date()), pd.DataFrame(), scoring.other_tables([scored], [SPEC]))
    dbt_run(warehouse, root, "+dim_customer_360")
    return {"warehouse": warehouse, "result": result, "scored": scored.scores, "world": small_world}


def test_the_model_is_tracked_promoted_and_beats_its_baselines(trained):
    result = trained["result"]
    m = result["metrics"]
    print(
        f"\nsend time, held-out e-mails: act Brier {m['act_brier']:.4f} "
        f"(global hour {m['baseline_global_hour_act_brier']:.4f}, "
        f"contact rate {m['baseline_contact_rate_act_brier']:.4f}); "
        f"open log-loss {m['open_log_loss']:.4f} "
        f"(global hour {m['baseline_global_hour_open_log_loss']:.4f}); open rate at the chosen hour "
        f"{m['chosen_hour_open_value']:.3f} (most frequent open hour "
        f"{m['baseline_most_frequent_open_hour_chosen_hour_open_value']:.3f}, global best hour "
        f"{m['baseline_global_best_hour_chosen_hour_open_value']:.3f}, default hour "
        f"{m['baseline_default_hour_chosen_hour_open_value']:.3f})"
    )
    assert result["promoted"], result["gates"]
    assert m["open_log_loss"] < m["baseline_global_hour_open_log_loss"]
    assert m["open_log_loss"] < m["baseline_contact_rate_open_log_loss"]
    assert m["chosen_hour_open_value"] > 1.2 * m["baseline_default_hour_chosen_hour_open_value"]


def test_the_chosen_hour_is_the_true_best_hour_for_contacts_with_history(trained):
    s = trained["scored"]
    truth = pd.read_parquet(trained["world"].ground_truth_dir / "customers.parquet")[["customer_id", "best_hour"]]
    with duckdb.connect(str(trained["warehouse"])) as con:
        owners = con.execute("select contact_id, customer_id from marts.dim_contacts").df()
    s = s.merge(owners, on="contact_id").merge(truth, on="customer_id")
    window = np.array(window_hours())
    reachable = np.clip(s.best_hour, window.min(), window.max())  # the truly best hour the window allows
    hit = (s.best_hour_local - reachable).abs() <= 1
    hit_any = (s.best_hour_any - s.best_hour).abs() <= 1
    ten = s.emails >= 10
    print(
        f"\nwithin ±1 h of the true best hour (in the window): {hit.mean():.1%} of {len(s)} contacts, "
        f"{hit[ten].mean():.1%} of the {ten.sum()} with ≥ 10 e-mails; any hour: {hit_any[ten].mean():.1%}"
    )
    assert hit[ten].mean() >= 0.80  # the issue asks 70 %
    assert s.best_hour_local.isin(window).all()


def test_the_360_carries_the_hour_of_the_contact_the_planner_writes_to(trained):
    with duckdb.connect(str(trained["warehouse"])) as con:
        dim = con.execute("select customer_id, best_send_hour from marts.dim_customer_360").df()
        contacts = book.contacts(con)
    picked = policy.reachable_contact(contacts)[["contact_id"]].reset_index()
    expected = picked.merge(trained["scored"][["contact_id", "best_hour_local"]], on="contact_id")
    merged = expected.merge(dim, on="customer_id")
    assert len(merged) > 100
    assert (merged.best_send_hour == merged.best_hour_local).all()
    assert dim.best_send_hour.dropna().isin(window_hours()).all()
