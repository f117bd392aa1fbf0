"""The closed loop's oracle and the arithmetic of its comparison over seeds: the oracle fills,
through the daily job's own scoring asset, the ml.* tables the planner reads, from the world's
ground truth; the intervals contain a known difference and exclude zero only when they should;
incentive costs are charged on the offers actually taken."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pandas as pd
import pytest

from benchmarks import loop_outcomes, seed_stats
from benchmarks.oracle import best_actions, load_truth, window_hours
from erp.simulator import SimulationConfig, World
from ml.uplift import actions as act

DAY = date(2026, 4, 1)


@pytest.fixture(scope="module")
def oracle_day(tmp_path_factory):
    """One day of the oracle policy on a tiny world, through the daily job."""
    from benchmarks import closed_loop

    home = tmp_path_factory.mktemp("oracle")
    World.create(
        home / "simulator", SimulationConfig(end=date(2026, 3, 31), customers=60, months=6, seed=3, future_days=20)
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELANCE_HOME", str(home))
        for var in closed_loop.USER_SETTINGS:
            mp.delenv(var, raising=False)
        figures = closed_loop.run_policy(home, "oracle", DAY, days=1)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        tables = {
            name: con.execute(f"select * from {name} where as_of_date = ?", [DAY]).df()
            for name in ("ml.invoice_scores", "ml.customer_scores", "ml.contact_send_times", "marts.mart_dunning_book")
        }
        owners = con.execute("select contact_id, customer_id from marts.dim_contacts").df()
        tables["ml.contact_send_times"] = tables["ml.contact_send_times"].merge(owners, on="contact_id")
    return home, figures, tables


def test_the_oracle_writes_the_tables_the_planner_reads_from_ground_truth(oracle_day):
    home, figures, tables = oracle_day
    customers, invoices = load_truth(home / "simulator")
    scores = tables["ml.invoice_scores"]
    assert len(scores) and (scores.model_version.str.count(":oracle") == 3).all()
    overdue = scores[pd.to_datetime(scores.due_date) <= pd.Timestamp(DAY)]
    assert len(overdue) and overdue[["p_self_cure", "next_best_action", "nba_incentive"]].notna().all().all()
    truth = invoices.reindex(overdue.invoice_id)
    cures = (truth.natural_delay <= 14) & ~truth.never_pays.astype(bool)
    assert (overdue.p_self_cure.to_numpy() == cures.to_numpy() * 1.0).all()
    assert scores.p_late_30.isin([0.0, 1.0]).all() and scores.p50_days_late.notna().all()
    assert tables["ml.customer_scores"][["payment_delay_risk", "self_cure_probability"]].notna().any().all()
    hours = tables["ml.contact_send_times"]
    assert len(hours) and hours.best_hour_local.isin(window_hours()).all()
    in_window = customers.best_hour.reindex(tables["marts.mart_dunning_book"].customer_id.drop_duplicates()).isin(
        window_hours()
    )
    assert in_window.any()
    book = tables["marts.mart_dunning_book"]  # the planner's one input: the truth reached it
    assert book.payment_delay_risk.notna().any() and book.best_send_hour.notna().any()
    assert {"net_cash", "offer_costs", "discounts_given"} <= set(figures)


def test_the_oracle_offers_nothing_to_an_invoice_that_pays_anyway():
    customers = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "best_hour": [10, 10],
            "best_weekday": [0, 0],
            "engagement": [0.9, 0.9],
            "sensitivity": [0.3, 0.3],
            "tone_sensitivity": [0.0, 0.0],
            "change_type": [None, None],
            "change_onset": [pd.NaT, pd.NaT],
            "effect_early_pay_discount": [0.5, 0.5],
            "effect_late_fee_warning": [0.0, 0.0],
            "effect_payment_plan": [0.0, 0.0],
            "effect_card_payment_link": [0.0, 0.0],
        }
    ).set_index("customer_id")
    as_of = pd.Timestamp("2026-04-01")
    rows = pd.DataFrame(
        {
            "invoice_id": ["paid-anyway", "needs-a-push"],
            "customer_id": ["A", "B"],
            "due_date": [as_of - pd.Timedelta(days=5)] * 2,
            "open_amount": [10_000.0, 10_000.0],
            "days": [8.0, float("inf")],  # natural days late: within the 14-day window, or never
        }
    )
    out = best_actions(rows, customers, as_of).set_index("invoice_id")
    assert out.at["paid-anyway", "next_best_action"] == act.NO_ACTION
    assert out.at["paid-anyway", "uplift_early_pay_discount"] == 0
    assert out.at["needs-a-push", "next_best_action"] == "early_pay_discount"
    assert out.at["needs-a-push", "nba_incentive"] == "early_pay_discount"


def test_offer_costs_are_charged_only_on_offers_taken_within_the_window():
    touches = pd.DataFrame(
        {
            "message_id": ["m1", "m2", "m3", "m3"],
            "channel": ["email", "email", "call", "call"],
            "incentive": ["early_pay_discount", "early_pay_discount", "none", "none"],
            "sent_on": pd.to_datetime(["2026-04-01", "2026-04-01", "2026-04-02", "2026-04-02"]),
            "invoice_id": ["taken", "too-late", "x", "y"],
            "settled_on": pd.to_datetime(["2026-04-10", "2026-05-30", None, None]),
            "amount": [1000.0, 1000.0, 50.0, 50.0],
        }
    )
    actions = act.load()
    costs = loop_outcomes.action_costs(touches, actions)
    assert costs["discounts_given"] == 1
    assert costs["offer_costs"] == pytest.approx(actions["early_pay_discount"]["cost_share"] * 1000)
    expected_fixed = 2 * actions["early_pay_discount"]["cost"] + actions["collector_call"]["cost"]  # one call
    assert costs["fixed_costs"] == pytest.approx(expected_fixed)


def test_the_interval_holds_a_known_difference_and_excludes_zero_only_when_it_should():
    rules = [20.0, 22.0, 19.0, 25.0, 21.0]
    earlier = [r - d for r, d in zip(rules, [2.1, 1.9, 2.0, 2.2, 1.8], strict=True)]  # 2 days earlier ± 0.2
    iv = seed_stats.paired_interval(earlier, rules)
    assert iv.low < -2.0 < iv.high and iv.excludes_zero and iv.high < 0
    assert iv.mean == pytest.approx(-2.0)
    # t(4) = 2.776, sd of the differences 0.158 → half-width 0.196
    assert iv.high - iv.low == pytest.approx(2 * 2.776 * 0.1581 / math.sqrt(5), rel=1e-3)
    noisy = [r + d for r, d in zip(rules, [1.0, -1.2, 0.8, -0.9, 0.1], strict=True)]
    assert not seed_stats.paired_interval(noisy, rules).excludes_zero
    assert math.isnan(seed_stats.paired_interval([1.0], [2.0]).low)  # one seed: no interval


def test_the_oracle_share_and_reminder_change():
    assert seed_stats.oracle_share(static=30.0, policy=24.0, oracle=22.0) == pytest.approx(0.75)
    assert seed_stats.oracle_share(static=30.0, policy=31.0, oracle=22.0) < 0  # worse than static
    assert math.isnan(seed_stats.oracle_share(static=30.0, policy=28.0, oracle=30.0))
    assert seed_stats.change_pct([80, 70], [100, 100]) == pytest.approx(-25.0)
