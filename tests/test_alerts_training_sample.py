"""Behaviour-change training on a sample of the book (ml.alerts.spec.TRAINING_CUSTOMERS): every
customer of a small book, a reproducible sample of a large one, and for the sampled customers
exactly the rows, labels and features the whole book gives them; and the per-customer figures
the series need, computed for every customer at once."""

from __future__ import annotations

import pandas as pd

from ml.alerts import series
from ml.alerts.spec import SPEC
from tests.test_alerts import AS_OF, world


def test_training_uses_every_customer_of_a_small_book_and_a_reproducible_sample_of_a_large_one():
    from ml.alerts.spec import training_sample

    small = pd.Series(["C3", "C1", "C2", "C1"])
    assert list(training_sample(small, size=5, seed=1)) == ["C1", "C2", "C3"]
    large = pd.Series([f"C{i:05d}" for i in range(2_000)])
    drawn = training_sample(large, size=300, seed=1)
    assert len(drawn) == 300 and drawn.is_unique and drawn.isin(large).all()
    assert drawn.equals(training_sample(large.sample(frac=1, random_state=3), size=300, seed=1))  # order-free
    assert not drawn.equals(training_sample(large, size=300, seed=2))


def test_the_training_rows_of_a_book_above_the_cap_come_from_the_sample_only(monkeypatch):
    from ml.alerts import spec as alert_spec

    data = world(1)
    every = SPEC.observations(data, AS_OF)
    monkeypatch.setattr(alert_spec, "TRAINING_CUSTOMERS", 3)
    sampled = SPEC.observations(data, AS_OF)
    sample = alert_spec.training_sample(data["invoices"].customer_id, 3, 42)
    assert every.customer_id.nunique() > 3 and 0 < sampled.customer_id.nunique() <= 3
    # the sample's own rows, labels and features are what the whole book gives them
    theirs = every[every.customer_id.isin(sample)].reset_index(drop=True)
    pd.testing.assert_frame_equal(sampled, theirs)
    cut = SPEC.features(data, sampled)
    monkeypatch.setattr(alert_spec, "SMALL_PART", -1)  # every customer's events, as scoring sees them
    pd.testing.assert_frame_equal(cut, SPEC.features(data, theirs))


def test_a_customers_usual_method_is_its_most_frequent_the_first_alphabetically_on_a_tie():
    baseline = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "C", "C", "D"],
            "method": ["wire", "card", "wire", "wire", "check", None, "card", None],
        }
    )
    usual = series.usual_method(baseline)
    assert usual.to_dict() == {"A": "wire", "B": "check", "C": "card"}  # D: no method known, no usual one
