"""The send-time model on small synthetic e-mail logs with planted reading hours: shrinkage gives
a contact with no history its segment's hour and follows the contact's own data as it grows; a
planted hour is recovered; the prior strength is estimated from the data. And the planner never
schedules an e-mail outside the send window, whatever hour it is asked for."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeys.catalog import load_policy
from journeys.schedule import in_window, slot_for
from ml.send_time import SPEC, curves
from ml.send_time.spec import window_hours
from ml.spec import TrainingSet

START = pd.Timestamp("2025-01-06")
KNOWN = pd.Timestamp("2026-06-01")


def contact_log(rng, contact_id: str, zone: str, best_hour: int, n: int) -> pd.DataFrame:
    """``n`` e-mails at random local hours 7–20 (as the legacy policy sent); opened with a
    probability peaking at ``best_hour``; the customer acts after a third of the reads."""
    local = (
        START
        + pd.to_timedelta(rng.integers(0, 400, n), unit="D")
        + pd.to_timedelta(rng.integers(7, 21, n), unit="h")
        + pd.to_timedelta(rng.integers(0, 60, n), unit="min")
    )
    hour = local.hour.to_numpy()
    diff = np.minimum(np.abs(hour - best_hour), 24 - np.abs(hour - best_hour))
    opened = rng.random(n) < 0.7 * (0.2 + 0.8 * np.exp(-(diff**2) / (2 * 1.5**2)))
    read_at = local + pd.to_timedelta(rng.uniform(0.05, 1.0, n), unit="h")
    utc = local.tz_localize(zone).tz_convert("UTC").tz_localize(None)
    return pd.DataFrame(
        {
            "message_id": [f"{contact_id}-{i}" for i in range(n)],
            "contact_id": contact_id,
            "customer_id": contact_id,
            "timezone": zone,
            "sent_at": utc,
            "sent_at_local": local,
            "was_opened": opened.astype(float),
            "first_opened_local": pd.Series(read_at).where(opened).to_numpy(),
            "acted": (opened & (rng.random(n) < 0.33)).astype(float),
        }
    )


def world(contacts: list[tuple[str, str, int, int]], seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {"sends": pd.concat([contact_log(rng, *c) for c in contacts], ignore_index=True)}


def segments(per_segment: int = 40, emails: int = 60) -> list[tuple[str, str, int, int]]:
    """Paris contacts read at 9, New York contacts at 15."""
    return [(f"P{i}", "Europe/Paris", 9, emails) for i in range(per_segment)] + [
        (f"N{i}", "America/New_York", 15, emails) for i in range(per_segment)
    ]


def fitted(data: dict):
    rows = SPEC.observations(data, KNOWN)
    return SPEC.fit(TrainingSet(SPEC.features(data, rows), rows.label, rows))


def scored(model, data: dict, contacts: list[tuple[str, str]], as_of: pd.Timestamp = KNOWN) -> pd.DataFrame:
    rows = pd.DataFrame({"contact_id": [c for c, _ in contacts], "timezone": [z for _, z in contacts]})
    rows = rows.assign(customer_id=rows.contact_id)
    day = SPEC.scoring_rows({"mail_contacts": rows, "sends": data["sends"]}, as_of)
    return model.predict(SPEC.features(data, day))


def test_a_contact_without_history_gets_its_segments_best_hour_or_the_global_one():
    data = world(segments())
    model = fitted(data)
    new = scored(model, data, [("newP", "Europe/Paris"), ("newN", "America/New_York"), ("newT", "Asia/Tokyo")])
    assert (new.emails == 0).all() and (new.shrinkage_weight == 0).all()
    assert abs(new.best_hour_local.iloc[0] - 9) <= 1
    assert abs(new.best_hour_local.iloc[1] - 15) <= 1
    window = np.array(window_hours())
    assert new.best_hour_local.iloc[2] == window[np.argmax(model.global_curve_[window])]  # unknown segment
    assert new.best_hour_utc.iloc[0] == (new.best_hour_local.iloc[0] - 2) % 24  # Paris in summer: UTC+2
    assert (new.expected_lift >= 0).all()


def test_a_contacts_own_history_pulls_its_hour_from_the_segments_toward_its_own():
    data = world(segments() + [("odd", "Europe/Paris", 15, 300)], seed=1)
    model = fitted(data)
    own = data["sends"][data["sends"].contact_id == "odd"].sort_values("sent_at")
    hours, weights = [], []
    for n in (0, 10, 40, 300):
        as_of = own.sent_at.iloc[n - 1] + pd.Timedelta(days=2) if n else START - pd.Timedelta(days=1)
        pred = scored(model, data, [("odd", "Europe/Paris")], as_of)
        hours.append(int(pred.best_hour_local.iloc[0]))
        weights.append(float(pred.shrinkage_weight.iloc[0]))
    assert abs(hours[0] - 9) <= 1 and abs(hours[-1] - 15) <= 1
    assert weights == sorted(weights) and weights[0] == 0 and weights[-1] > 0.7
    distance = [abs(h - 15) for h in hours]
    assert distance == sorted(distance, reverse=True)


def test_a_planted_best_hour_is_recovered_from_a_tiny_log():
    planted = [8, 9, 10, 11, 12, 13, 14, 15, 16, 17]
    data = world([(f"C{h}", "Europe/Paris", h, 80) for h in planted], seed=2)
    model = fitted(data)
    pred = scored(model, data, [(f"C{h}", "Europe/Paris") for h in planted])
    hits = np.abs(pred.best_hour_local.to_numpy() - np.array(planted)) <= 1
    assert hits.mean() >= 0.8, pred.best_hour_local.tolist()
    p_open, _, _, _ = model.curves(
        SPEC.features(
            data,
            SPEC.scoring_rows(
                {
                    "mail_contacts": pd.DataFrame(
                        {"contact_id": ["C9"], "customer_id": ["C9"], "timezone": ["Europe/Paris"]}
                    ),
                    "sends": data["sends"],
                },
                KNOWN,
            ),
        )
    )
    assert p_open[0, 9] > p_open[0, 13] > p_open[0, 17]  # falls off with the distance from the planted hour


@pytest.mark.parametrize("kappa", [5.0, 40.0])
def test_the_prior_strength_is_estimated_by_the_method_of_moments(kappa):
    rng = np.random.default_rng(3)
    rates = rng.beta(kappa * 0.3, kappa * 0.7, 3000)
    trials = rng.integers(5, 40, 3000)
    estimate = curves.prior_strength(rng.binomial(trials, rates), trials, 0.3)
    assert kappa / 1.5 < estimate < kappa * 1.5
    same = np.full(3000, 0.3)  # no real difference between contacts: pool everything
    assert curves.prior_strength(rng.binomial(trials, same), trials, 0.3) >= 100


ZONES = ["Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "Pacific/Auckland", "UTC"]


@settings(max_examples=300, deadline=None)
@given(
    hour=st.one_of(st.none(), st.just(float("nan")), st.integers(-2, 26)),
    minutes=st.integers(0, 60 * 24 * 365),
    zone=st.sampled_from(ZONES),
    profile=st.sampled_from(["b2b", "consumer_reg_f"]),
    key=st.text(min_size=1, max_size=8),
)
def test_the_planner_never_schedules_outside_the_send_window(hour, minutes, zone, profile, key):
    policy = load_policy(profile)
    not_before = datetime(2026, 1, 1, tzinfo=UTC) + pd.Timedelta(minutes=minutes).to_pytimedelta()
    slot = slot_for(policy, zone, "FR", not_before, hour, key)
    if slot.send_at_utc is not None:
        assert in_window(policy, zone, slot.send_at_utc)
        assert slot.send_at_utc >= not_before


def test_the_models_hours_lie_inside_the_b2b_window():
    data = world(segments(per_segment=10, emails=40), seed=4)
    pred = scored(fitted(data), data, [(f"P{i}", "Europe/Paris") for i in range(10)])
    assert pred.best_hour_local.isin(window_hours()).all()
    assert window_hours() == tuple(range(8, 18))


def test_a_day_scored_before_the_first_champion_leaves_no_untyped_table_behind():
    import duckdb

    from ml import scores, scoring

    con = duckdb.connect()
    scores.write(con, "2026-03-01", pd.DataFrame(), scoring.other_tables([], [SPEC]))  # no champion yet
    day = pd.DataFrame({"contact_id": ["K1"], "best_hour_local": [9]})
    scores.write(con, "2026-03-02", pd.DataFrame(), {"contact_send_times": day})
    assert con.execute("select contact_id, best_hour_local from ml.contact_send_times").fetchall() == [("K1", 9)]


def test_counts_computed_by_groups_of_contacts_equal_each_rows_own_emails_before_it(monkeypatch):
    """The counts are computed a group of contacts at a time (memory); every row must still get
    exactly its own contact's e-mails known strictly before its instant, whatever the grouping."""
    from ml.send_time import features

    log = features.send_log(world(segments(per_segment=6, emails=25), seed=3))
    rng = np.random.default_rng(5)
    rows = pd.DataFrame(
        {
            "contact_id": rng.choice([*log.contact_id.unique(), "nobody"], 300),
            "as_of": START + pd.to_timedelta(rng.integers(0, 420, 300), unit="D"),
        }
    )
    one_hot = pd.DataFrame(features.one_hot_counts(log), columns=features.COUNTS)
    expected = np.array(
        [one_hot[(log.contact_id == c).to_numpy() & (log.known_at < t).to_numpy()].sum() for c, t in rows.to_numpy()]
    )
    for chunk in (10_000, 40, 1):  # one group, a few, one per e-mail
        monkeypatch.setattr(features, "LOG_CHUNK", chunk)
        np.testing.assert_array_equal(features.counts_before(rows, log).to_numpy(), expected)
    assert expected[:, :24].sum() > 100  # rows do see e-mails
