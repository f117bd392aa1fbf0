"""Behaviour-change alerts on small hand-built histories: each change type is found in the
customer who has it, dated near its start, with the right sign — and never in a steady customer
or a noisy one. Then the detector through the shared training routine and pyfunc scoring on a
real SQLite MLflow store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml import registry, scoring, training
from ml.alerts import detect, labels, model, series
from ml.alerts.model import AGE_COLUMNS, FEATURES, VALUE_COLUMNS, ChangeDetector
from ml.alerts.model import alerts as alerts_of
from ml.alerts.series import CHANGE_TYPES, MEASURES
from ml.alerts.spec import SPEC
from ml.gates import Gate

START, AS_OF = pd.Timestamp("2024-07-01"), pd.Timestamp("2026-06-30")
ONSET = pd.Timestamp("2025-12-01")
EVIDENCE = {
    "delay_drift": "median days late 8 → 17",
    "method_switch": "invoices paid in parts",
    "serial_dispute": "invoices disputed",
    "goes_silent": "reminders opened or answered",
}


def customer(rng, cid: str, delay=(5.0, 1.0), parts_share=0.0, dispute_rate=0.0, open_rate=0.7, change=None):
    """Two invoices a month for two years; after ONSET, ``change`` alters one behaviour."""
    issue = pd.date_range(START, AS_OF - pd.Timedelta(days=40), freq="SMS")
    n = len(issue)
    after = issue >= ONSET
    late = np.round(rng.normal(delay[0], delay[1], n)) + np.where(after & (change == "delay_drift"), 9, 0)
    due = issue + pd.Timedelta(days=30)
    settled = due + pd.to_timedelta(late, unit="D")
    ids = [f"{cid}-{k:03d}" for k in range(n)]
    invoices = pd.DataFrame(
        {
            "invoice_id": ids,
            "customer_id": cid,
            "issue_date": issue,
            "due_date": due,
            "settled_on": settled,
            "days_late": late,
            "invoice_status": "paid",
        }
    )
    switched = (settled >= ONSET) & (change == "method_switch")
    parts = np.where(switched, 3, np.where(rng.random(n) < parts_share, 2, 1))
    lines = pd.DataFrame(
        {
            "invoice_id": np.repeat(ids, parts),
            "customer_id": cid,
            "payment_date": np.repeat(settled, parts)
            - pd.to_timedelta(np.concatenate([np.arange(p)[::-1] * 4 for p in parts]), unit="D"),
            "payment_method": np.repeat(np.where(switched, "card", "wire"), parts),
        }
    )
    rate = np.where(after & (change == "serial_dispute"), 0.9, dispute_rate)
    disputed = rng.random(n) < rate
    reasons = pd.DataFrame(
        {
            "invoice_id": np.array(ids)[disputed],
            "customer_id": cid,
            "opened_on": issue[disputed] + pd.Timedelta(days=7),
            "dispute_reason": "quality",
        }
    )
    sent = pd.DatetimeIndex(settled - pd.Timedelta(days=max(int(delay[0]), 1))) + pd.Timedelta(hours=9)
    opened = (rng.random(n) < open_rate) & ~((sent >= ONSET) & (change == "goes_silent"))
    emails = pd.DataFrame(
        {
            "customer_id": cid,
            "invoice_id": ids,
            "sent_at": sent,
            "was_bounced": False,
            "first_opened_at": pd.Series(sent + pd.Timedelta(hours=2)).where(opened).to_numpy(),
            "was_replied": False,
        }
    )
    return {"invoices": invoices, "payment_lines": lines, "dispute_reasons": reasons, "emails": emails}


def world(seed: int = 0) -> dict:
    """Forty ordinary customers (each with its own habits) and the six under test."""
    rng = np.random.default_rng(seed)
    parts = [
        customer(
            rng,
            f"P{k:02d}",
            delay=(rng.uniform(-3, 20), rng.uniform(1, 8)),
            parts_share=rng.uniform(0, 0.1),
            dispute_rate=rng.uniform(0, 0.1),
            open_rate=rng.uniform(0.3, 0.9),
        )
        for k in range(40)
    ]
    parts += [
        customer(rng, "STEADY"),
        customer(rng, "NOISY", delay=(20, 12), parts_share=0.1, dispute_rate=0.1, open_rate=0.4),
    ]
    parts += [customer(rng, change, delay=(8, 1), open_rate=0.8, change=change) for change in CHANGE_TYPES]
    data = {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}
    data["disputes"] = data["dispute_reasons"][["invoice_id"]]
    return data


@pytest.fixture(scope="module")
def alerts():
    data = world()
    train = SPEC.scoring_rows(data, ONSET - pd.Timedelta(days=1))  # the customers before any change
    detector = ChangeDetector(false_alarms_per_year=0.005, draws=200).fit(SPEC.features(data, train))
    rows = SPEC.scoring_rows(data, AS_OF)
    return rows.join(detector.predict(SPEC.features(data, rows)))


@pytest.mark.parametrize("change_type", CHANGE_TYPES)
def test_each_change_is_found_in_its_customer_only_dated_near_its_start(alerts, change_type):
    mine = alerts[alerts.customer_id == change_type]
    assert mine.set_index("change_type").is_alert.to_dict() == {t: t == change_type for t in CHANGE_TYPES}
    alert = mine[mine.change_type == change_type].iloc[0]
    assert abs((alert.started_on - ONSET).days) <= 45
    assert np.sign(alert["size"]) == MEASURES[change_type].direction
    assert alert.evidence.startswith(EVIDENCE[change_type])


def test_steady_and_noisy_customers_raise_no_alert(alerts):
    quiet = alerts[alerts.customer_id.isin(["STEADY", "NOISY"])]
    assert len(quiet) == 8 and not quiet.is_alert.any()
    assert (quiet.evidence == "no change detected").all()


def test_thinning_keeps_every_recent_event_and_spreads_the_older_ones():
    """A busy customer (an e-mail a day) keeps its latest RECENT events as they are — a change
    shows in them — and the rest of its series spread over the older lookback as a baseline."""
    days = pd.date_range(AS_OF - series.LOOKBACK, AS_OF - pd.Timedelta(days=1), freq="D")
    frame = pd.DataFrame({"customer_id": "BUSY", "value": 1.0, "dated": days, "known_at": days})
    kept = series.thin(frame, AS_OF)
    assert len(kept) <= series.WIDTH
    assert kept.dated.tail(series.RECENT).tolist() == days[-series.RECENT :].tolist()
    assert kept.dated.min() < AS_OF - pd.Timedelta(days=400)


def test_a_customer_who_opened_a_fifth_of_its_mail_and_now_none_has_gone_silent():
    """Going silent is relative: from a fifth of e-mails opened to none is as silent as from all
    of them (an absolute fall of 25 points can never be reached from 20 %)."""
    values = np.r_[np.tile([1.0, 0.0, 0.0, 0.0, 0.0], 5)[:24], np.zeros(24), np.full(series.WIDTH - 48, np.nan)]
    ages = np.arange(series.WIDTH, 0, -1) * 6.0
    X = pd.DataFrame(np.hstack([values[None, :], ages[None, :]]), columns=VALUE_COLUMNS + AGE_COLUMNS)
    X.insert(0, "observed_day", 20_000.0)
    X.insert(0, "change_code", float(CHANGE_TYPES.index("goes_silent")))
    found = alerts_of(X, "goes_silent", [2.0] * (len(detect.RATE_BINS) - 1))
    assert found.is_alert.iloc[0] and found.after_value.iloc[0] == 0.0


def test_a_single_outlier_is_not_a_change():
    values = np.r_[np.full(20, 5.0), 60.0, np.full(10, 5.0)][None, :]
    assert detect.cusum(values, MEASURES["delay_drift"], 5.0).alarm[0] == -1
    shifted = np.r_[np.full(20, 5.0), np.full(6, 12.0)][None, :]
    found = detect.cusum(shifted, MEASURES["delay_drift"], 5.0)
    assert found.alarm[0] >= 20 and found.onset[0] == 20


def test_a_large_drift_shows_in_two_late_invoices():
    """Paying 20 days later than a customer whose sd is 2 is a drift after two invoices, not
    after four: the clip bounds one event's weight, not a drift's."""
    regular = np.r_[np.tile([7.0, 8.0, 9.0, 8.0], 5), 28.0, 29.0][None, :]
    found = detect.cusum(regular, MEASURES["delay_drift"], 6.0)
    assert found.alarm[0] == 21 and found.onset[0] == 20


def test_calibrated_threshold_holds_the_false_alarm_rate_on_fresh_null_series():
    rng = np.random.default_rng(3)
    train = np.round(rng.normal(10, 3, (300, 40)))
    threshold = detect.calibrate(train, MEASURES["delay_drift"], 0.02, draws=100, seed=1)
    fresh = np.round(rng.normal(10, 3, (4000, 40)))
    rate = (
        detect.cusum(fresh, MEASURES["delay_drift"], threshold[detect.noise_bin(fresh, MEASURES["delay_drift"])]).alarm
        >= 0
    ).mean()
    assert 0.002 <= rate <= 0.05
    lax = detect.calibrate(train, MEASURES["delay_drift"], 0.2, draws=100, seed=1)
    assert (lax <= threshold).all() and (lax < threshold).any()


def test_an_old_excursion_is_baseline_and_only_the_latest_events_are_monitored():
    """Looked at every week, a series is monitored on its latest MONITORED events against all
    before them: a slow patch a year back is part of the customer's baseline, not a new alarm at
    each look (monitoring the whole window re-tested it against its first few events)."""
    old = np.r_[np.full(10, 8.0), np.full(6, 18.0), np.full(40, 8.0)][None, :]
    assert detect.cusum(old, MEASURES["delay_drift"], 5.0).alarm[0] == -1
    recent = np.r_[np.full(50, 8.0), np.full(6, 18.0)][None, :]
    assert detect.cusum(recent, MEASURES["delay_drift"], 5.0).alarm[0] >= 50


def test_the_false_alarm_budget_is_read_off_the_tail_of_the_alerted_share():
    """A budget of one customer in a thousand is read off the exponential tail fitted where
    enough customers alert, not off the one or two customers alerted at the budget itself."""
    share = 0.2 * np.exp(-3 * (model.INFLATIONS - model.INFLATIONS[0]))
    factor = model._extrapolate(share, budget=0.001, customers=1000)
    assert abs(factor - (model.INFLATIONS[0] + np.log(0.2 / 0.001) / 3)) < 0.05
    few = np.where(model.INFLATIONS < 1.2, 0.002, 0.0)  # never three customers alerted
    assert model._extrapolate(few, budget=0.001, customers=1000) == 1.2


def _rate_rows(rng, sticky: float, customers: int = 300, instants: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    """Dispute series of ``customers`` at monthly instants, each value repeating the one before
    with probability ``sticky`` (0: independent draws at 30 %)."""
    length = 40 + 3 * instants
    values = np.zeros((customers, length))
    values[:, 0] = rng.random(customers) < 0.3
    for i in range(1, length):
        values[:, i] = np.where(rng.random(customers) < sticky, values[:, i - 1], rng.random(customers) < 0.3)
    frames = []
    for k in range(instants):
        window = np.full((customers, series.WIDTH), np.nan)
        window[:, :40] = values[:, 3 * k : 3 * k + 40]
        ages = np.where(np.isnan(window), np.nan, (40 - np.arange(series.WIDTH)) * 10.0)
        frame = pd.DataFrame(np.hstack([window, ages]), columns=VALUE_COLUMNS + AGE_COLUMNS)
        frame.insert(0, "observed_day", 20_000.0 + 30 * k)
        frame.insert(0, "change_code", float(CHANGE_TYPES.index("serial_dispute")))
        frames.append(frame[FEATURES])
    return pd.concat(frames, ignore_index=True), np.tile(np.arange(customers), instants)


def test_series_whose_events_come_in_runs_get_higher_thresholds_than_independent_ones():
    """The simulated null takes events as independent; a customer's real events come in runs
    (a slow quarter is slow throughout). The budget is then held on the real series, looked at
    on every instant, so runs raise the thresholds instead of the false alarms."""
    rng = np.random.default_rng(5)
    factors = {}
    for sticky in (0.0, 0.7):
        X, groups = _rate_rows(rng, sticky)
        fitted = ChangeDetector(false_alarms_per_year=0.005, draws=20).fit(X, groups=groups)
        factors[sticky] = fitted.inflation_["serial_dispute"]
    assert factors[0.7] > factors[0.0] + 0.3


def test_the_vendor_ratio_rule_fires_on_one_slow_invoice_the_detector_ignores():
    values = np.r_[np.full(20, 5.0), 14.0][None, :]
    ages = np.r_[np.arange(400, 0, -20), 10.0][None, :]
    assert labels.ratio_rule(values, ages, "delay_drift")[0] == 1
    assert detect.cusum(values, MEASURES["delay_drift"], 5.0).alarm[0] == -1


def test_the_detector_trains_registers_and_scores_through_pyfunc(tmp_path):
    registry.connect(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "artifacts")
    data = world(1)
    gates = [Gate("false_alarm_rate", "lower", "ratio_rule", margin=0.5, must_beat_champion=False)]
    result = training.run_training(SPEC, data, AS_OF, gates)
    assert result["promoted"], result["gates"]
    assert result["metrics"]["false_alarm_rate"] < result["metrics"]["baseline_ratio_rule_false_alarm_rate"]
    champion = scoring.load_champions([SPEC])[SPEC.name]
    scored = scoring.score(champion, data, AS_OF).scores
    assert scored.columns.tolist() == ["customer_id", "change_type", *SPEC.score_columns.values()]
    alerted = scored[scored.is_alert]
    assert set(zip(alerted.customer_id, alerted.change_type, strict=True)) >= {(t, t) for t in CHANGE_TYPES}
    assert pd.api.types.is_datetime64_any_dtype(scored.started_on)


def test_a_day_without_a_champion_then_a_scored_day_write_the_alerts_table():
    import duckdb

    from ml import scores

    con = duckdb.connect()
    no_invoices = pd.DataFrame(
        columns=["invoice_id", "customer_id", "open_amount", "p_late_30", "p50_days_late", "p_self_cure"]
    )
    empty = scoring.other_tables([], [SPEC])
    scores.write(con, "2026-06-29", no_invoices, empty)
    day = pd.DataFrame(
        {
            "customer_id": ["C1"],
            "change_type": ["delay_drift"],
            "is_alert": [True],
            "started_on": [pd.Timestamp("2026-05-01")],
            "size": [6.0],
            "before_value": [8.0],
            "after_value": [14.0],
            "events_after": [4.0],
            "evidence": ["median days late 8 → 14"],
        }
    )
    assert scores.write(con, "2026-06-30", no_invoices, {"customer_alerts": day})["customer_alerts"] == 1
    assert con.execute("select customer_id, size from ml.customer_alerts").fetchall() == [("C1", 6.0)]
