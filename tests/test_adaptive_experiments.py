"""Adaptive experiments: Thompson sampling per segment moves traffic to the arm the evidence
favours, retires a clearly worse one only on enough evidence, and never touches the holdout."""

from __future__ import annotations

import pandas as pd
import pytest

from journeys import adaptive, catalog
from journeys import experiments as exp
from journeys.contact_list import Book, plan_day

ARMS = ["control", "loss_aversion", "social_proof"]
DAY = pd.Timestamp("2026-03-02")
RULES = adaptive.Adaptive()


def evidence(**arms: tuple[int, int]) -> pd.DataFrame:
    """(paid, matured) per arm."""
    return pd.DataFrame(
        [{"variant": v, "exposures_paid": p, "exposures_matured": m} for v, (p, m) in arms.items()],
        columns=["variant", "exposures_paid", "exposures_matured"],
    )


def test_without_evidence_every_arm_gets_about_a_third_and_none_is_retired():
    decision = adaptive.allocate("framing", ARMS, RULES, evidence(), "standard", DAY)
    assert decision.allocated_share.sum() == pytest.approx(1, abs=1e-3)
    assert decision.allocated_share.between(0.28, 0.39).all()
    assert set(decision.arm_status) <= {"leading", "testing"}


def test_strong_evidence_moves_traffic_and_retires_the_clearly_worse_arm():
    decision = adaptive.allocate(
        "framing", ARMS, RULES, evidence(control=(40, 100), loss_aversion=(75, 100), social_proof=(45, 100)), "s", DAY
    ).set_index("variant")
    assert decision.at["loss_aversion", "arm_status"] == "leading"
    assert decision.at["loss_aversion", "allocated_share"] > 0.85
    assert decision.at["control", "arm_status"] == "retired" and decision.at["control", "allocated_share"] == 0
    assert "retired" in decision.at["control", "allocation_reason"]
    assert decision.allocated_share.sum() == pytest.approx(1, abs=1e-3)


def test_a_poor_arm_is_not_retired_before_it_has_enough_matured_exposures():
    few = evidence(control=(0, RULES.min_matured - 1), loss_aversion=(20, 25), social_proof=(10, 25))
    decision = adaptive.allocate("framing", ARMS, RULES, few, "s", DAY).set_index("variant")
    assert decision.at["control", "arm_status"] == "testing"
    assert decision.at["control", "allocated_share"] >= RULES.floor_share


def test_the_same_day_decides_the_same():
    data = evidence(control=(10, 30), loss_aversion=(12, 30), social_proof=(11, 30))
    first = adaptive.allocate("framing", ARMS, RULES, data, "s", DAY)
    pd.testing.assert_frame_equal(first, adaptive.allocate("framing", ARMS, RULES, data, "s", DAY))


def test_the_holdout_keeps_its_share_and_its_customers_whatever_the_allocation():
    experiment = next(e for e in catalog.load_experiments() if e.adaptive)
    skewed = adaptive.allocate("x", ARMS, RULES, evidence(control=(90, 100), loss_aversion=(10, 100)), "s", DAY)
    customers = [f"C{i:05d}" for i in range(20_000)]
    fixed = [exp.arm(experiment, c) == exp.HOLDOUT for c in customers]
    adapted = [exp.arm(experiment, c, skewed, DAY) == exp.HOLDOUT for c in customers]
    assert fixed == adapted
    assert sum(adapted) / len(customers) == pytest.approx(experiment.holdout_share, abs=0.01)
    arms = pd.Series([exp.arm(experiment, c, skewed, DAY) for c in customers])
    assert "loss_aversion" not in set(arms)  # retired: never drawn


def test_bad_adaptive_settings_are_refused_with_the_experiment_named(tmp_path):
    path = tmp_path / "experiments.yaml"
    path.write_text(
        "experiments:\n  framing:\n    holdout_share: 0.1\n    variants: {a: 0.45, b: 0.45}\n"
        "    adaptive: {floor_share: 0.6}\n"
    )
    with pytest.raises(catalog.ConfigError, match="experiment framing: adaptive.floor_share"):
        catalog.load_experiments(path)
    path.write_text(path.read_text().replace("floor_share: 0.6", "retire_when: 0.9"))
    with pytest.raises(catalog.ConfigError, match="unknown setting"):
        catalog.load_experiments(path)


def _book(customers: int, evidence_rows: pd.DataFrame) -> Book:
    journey = next(j for j in catalog.load_journeys() if j.name == "standard")
    step = next(s for s in journey.steps if s.channel == "email" and s.offset_days > 0)
    as_of = pd.Timestamp("2026-03-01")
    rows = [
        {
            "customer_id": f"C{i:04d}",
            "invoice_id": f"I{i:04d}",
            "segment": "standard",
            "country_code": "FR",
            "timezone": "Europe/Paris",
            "language_code": "fr",
            "account_owner": "owner_01",
            "customer_name": "Customer",
            "currency_code": "EUR",
            "issue_date": as_of - pd.Timedelta(days=30 + step.offset_days),
            "due_date": as_of + pd.Timedelta(days=1) - pd.Timedelta(days=step.offset_days),
            "invoice_amount": 1000.0,
            "paid_amount": 0.0,
            "open_amount": 1000.0,
            "days_past_due": step.offset_days - 1,
            "is_in_dispute": False,
            "dispute_reason": None,
            "dispute_source": None,
            "has_payment_plan_request": False,
            "has_active_promise": False,
            "promise_date": pd.NaT,
            "promise_broken": False,
            "days_since_promise": float("nan"),
            "late_share_365d": 0.3,
            "avg_days_late_365d": 5.0,
            "days_late_trend": 0.0,
            "has_behaviour_alert": False,
            "is_quarantined": False,
            "quarantine_reason": None,
            "alert_types": None,
            "po_number": None,
            "payment_delay_risk": None,
            "self_cure_probability": None,
            "self_cure_share_365d": None,
            "best_send_hour": None,
            "most_frequent_open_hour": None,
            "dominant_method_90d": None,
            "best_incentive": None,
            "p50_days_late": float("nan"),
            "p_late_30": float("nan"),
        }
        for i in range(customers)
    ]
    contacts = pd.DataFrame(
        {
            "contact_id": [f"K{i:04d}" for i in range(customers)],
            "customer_id": [f"C{i:04d}" for i in range(customers)],
            "email": "billing@example.com",
            "full_name": None,
            "role": "billing",
            "is_primary": True,
            "is_emailable": True,
            "timezone": None,
        }
    )
    history = pd.DataFrame(
        columns=["message_id", "customer_id", "invoice_id", "channel", "sent_at", "journey", "step", "tone"]
    )
    return Book(as_of, pd.DataFrame(rows), contacts, history, experiment_evidence=evidence_rows)


def test_the_planner_sends_most_of_a_segment_to_the_arm_its_evidence_favours():
    favour = evidence(control=(40, 100), loss_aversion=(75, 100), social_proof=(45, 100)).assign(
        experiment="reminder_framing", segment="standard"
    )
    args = (catalog.load_journeys(), catalog.load_policy("b2b"), catalog.load_experiments())
    plan = plan_day(_book(400, favour), *args)
    tested = plan.contact_list[plan.contact_list.experiment.eq("reminder_framing")]
    shares = tested[tested.variant != exp.HOLDOUT].variant.value_counts(normalize=True)
    assert len(tested) > 300 and shares["loss_aversion"] > 0.8
    decisions = plan.allocations.set_index("variant")
    assert decisions.at["loss_aversion", "arm_status"] == "leading" and decisions.segment.eq("standard").all()
    again = plan_day(_book(400, favour), *args)
    assert again.contact_list.variant.tolist() == plan.contact_list.variant.tolist()  # a re-run decides the same
