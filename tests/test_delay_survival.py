"""What the payment-delay model says is possible: an invoice still open d days past its due date is
never predicted to be paid before today, a never-payer reaches the cap, quantiles never cross."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ml import payment_delay, survival
from ml.history import FEATURES, LABEL_CAP_DAYS

CAP = float(LABEL_CAP_DAYS)


def training_rows(n: int = 2000, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    """Invoices observed while open, at most 60 days past due (the old observation span): half
    of the customers pay about 5 days late, a tenth never pay; a row's label is never before
    the instant it is observed at."""
    rng = np.random.default_rng(seed)
    kind = rng.choice([0, 1, 2], n, p=[0.5, 0.4, 0.1])  # prompt, slow, never
    delay = np.select([kind == 0, kind == 1], [rng.normal(5, 3, n), rng.normal(25, 8, n)], CAP)
    delay = np.clip(np.round(delay), -10, CAP)
    elapsed = np.floor(rng.random(n) * (np.minimum(delay, 60) + 31)) - 30
    X = pd.DataFrame(0.0, index=range(n), columns=FEATURES)
    X["days_to_due"] = -elapsed
    X["hist_mean_late"] = np.select([kind == 0, kind == 1], [5.0, 25.0], 80.0) + rng.normal(0, 2, n)
    X["hist_invoices"] = 10.0
    return X, pd.Series(np.maximum(delay, elapsed), index=X.index)


def open_book(elapsed: list[float], hist_mean_late: float) -> pd.DataFrame:
    X = pd.DataFrame(0.0, index=range(len(elapsed)), columns=FEATURES)
    X["days_to_due"] = -np.asarray(elapsed, dtype=float)
    X["hist_mean_late"] = hist_mean_late
    X["hist_invoices"] = 10.0
    return X


@pytest.fixture(scope="module")
def model() -> payment_delay.DelayModel:
    X, y = training_rows()
    return payment_delay.DelayModel(seed=1).fit(X, y)


def test_no_open_invoice_is_predicted_paid_before_today(model):
    elapsed = [-20, -5, 0, 3, 10, 20, 35, 50, 65, 80, 89, 95, 140]
    for hist in (-2.0, 5.0, 25.0, 80.0):
        pred = model.predict(open_book(elapsed, hist))
        floor = np.minimum(elapsed, CAP)
        for column in ("p10", "p50", "p90"):
            assert (pred[column].to_numpy() >= floor - 1e-9).all(), (hist, column, pred[column].round(1).tolist())
        assert (pred[["p10", "p50", "p90"]].to_numpy() <= CAP + 1e-9).all()
        late = np.asarray(elapsed) > payment_delay.LATE_THRESHOLD
        assert (pred.p_late_30.to_numpy()[late] == 1.0).all()


def test_an_old_unpaid_invoice_reaches_the_cap(model):
    pred = model.predict(open_book([91, 120, 365], hist_mean_late=5.0))
    assert (pred.p50 == CAP).all() and (pred.p10 == CAP).all()


def test_quantiles_are_monotone_and_unchanged_where_the_past_is_not_in_question(model):
    X = open_book([-30, -10, 0, 15, 45, 75], hist_mean_late=25.0)
    pred, raw = model.predict(X), model.unconditional(X)
    assert ((pred.p10 <= pred.p50) & (pred.p50 <= pred.p90)).all()
    before_any = raw.p10 > -X.days_to_due + 5  # the model already puts nothing before today
    assert before_any.any()
    assert np.allclose(pred[before_any][["p10", "p50", "p90"]], raw[before_any][["p10", "p50", "p90"]])


@given(
    st.lists(st.floats(-40, 120), min_size=3, max_size=3),
    st.floats(-60, 200),
)
def test_conditional_quantiles_are_possible_monotone_and_capped(q, elapsed):
    out = survival.conditional_quantiles(np.array([q]), np.array([elapsed]), CAP)[0]
    assert out[0] <= out[1] <= out[2] <= CAP
    assert out[0] >= min(elapsed, CAP) - 1e-9


def test_conditioning_spreads_the_past_mass_instead_of_collapsing_the_band():
    """Model said P10/P50/P90 = 0/10/20 days late; the invoice is 10 days late today: half its
    mass is in the past, so the new median is the old P75 (16.25 days, linear between P50 and
    P90) and the band stays open."""
    out = survival.conditional_quantiles(np.array([[0.0, 10.0, 20.0]]), np.array([10.0]), CAP)[0]
    assert out[0] > 10 and abs(out[1] - 16.25) < 1e-3 and out[2] > 20


def invoices(rows: list[tuple[str, str, str | None, float | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["invoice_id", "due_date", "settled_on", "days_late"])
    due = pd.to_datetime(frame.due_date)
    return frame.assign(
        customer_id="C1",
        issue_date=due - pd.Timedelta(days=30),
        due_date=due,
        settled_on=pd.to_datetime(frame.settled_on),
        credited_by_dispute=False,
        amount=100.0,
    )


def test_training_labels_only_where_the_outcome_was_known_whatever_it_was():
    """At a cutoff of 2026-06-01, an invoice due 20 days before and settled early is known, but
    its slow siblings are not yet: it teaches the quantile models nothing (its days late would
    make them optimistic); one due more than 90 days before teaches them its outcome, paid or
    not, and one unpaid 40 days past due teaches the > 30 days classifier."""
    inv = invoices(
        [
            ("recent-quick", "2026-05-12", "2026-05-14", 2.0),
            ("recent-slow", "2026-05-12", None, None),
            ("old-paid", "2026-01-10", "2026-02-09", 30.0),
            ("old-never", "2026-01-10", None, None),
            ("running-late", "2026-04-22", None, None),
        ]
    )
    rows = payment_delay.SPEC.observations({"invoices": inv}, pd.Timestamp("2026-06-01")).set_index("invoice_id")
    assert set(rows.index) == {"old-paid", "old-never", "running-late"}
    assert rows.label.dropna().to_dict() == {"old-paid": 30.0, "old-never": CAP}
    assert rows.late30["running-late"] and not rows.late30["old-paid"]


def test_training_rows_are_observed_up_to_the_cap():
    """Scoring sees invoices 60 to 90 days late: training must too, or the model extrapolates."""
    never = invoices([(f"n{i}", "2025-06-01", None, None) for i in range(300)])
    rows = payment_delay.SPEC.observations({"invoices": never}, pd.Timestamp("2026-06-01"))
    elapsed = (rows.as_of - rows.due_date).dt.days
    assert elapsed.max() > 75 and elapsed.max() <= CAP
