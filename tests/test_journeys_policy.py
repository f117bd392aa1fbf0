"""Property-based tests: whatever the book looks like, no planned send breaks a contact rule,
and every send a journey wanted is either planned or blocked with a recorded rule."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys import catalog, schedule
from journeys.contact_list import Book, done_steps, plan_day
from journeys.policy import CUSTOMER_FACING
from journeys.schedule import not_before, send_day_of
from journeys.steps import due_steps

JOURNEYS = catalog.load_journeys()
EXPERIMENTS = catalog.load_experiments()
PLACES = [
    ("FR", "Europe/Paris", "fr"),
    ("US", "America/New_York", "en"),
    ("GB", "Europe/London", "en"),
    ("DE", "Europe/Berlin", "en"),
    ("JP", "Asia/Tokyo", "en"),
    ("AU", "Australia/Sydney", "en"),
]
STEP_NAMES = sorted({(j.name, s.name) for j in JOURNEYS for s in j.steps})


@st.composite
def books(draw) -> Book:
    as_of = pd.Timestamp("2026-01-01") + pd.Timedelta(days=draw(st.integers(0, 364)))
    invoices, contacts, history, blocks = [], [], [], []
    for c in range(draw(st.integers(1, 5))):
        cid = f"C{c}"
        country, zone, lang = draw(st.sampled_from(PLACES))
        profile = {
            "customer_id": cid,
            "segment": draw(st.sampled_from(["good_payer", "standard", "at_risk", "high_risk"])),
            "payment_delay_risk": draw(st.one_of(st.none(), st.floats(0, 1))),
            "self_cure_probability": draw(st.one_of(st.none(), st.floats(0, 1))),
            "late_share_365d": draw(st.floats(0, 1)),
            "avg_days_late_365d": draw(st.floats(-5, 60)),
            "self_cure_share_365d": draw(st.one_of(st.none(), st.floats(0, 1))),
            "days_late_trend": draw(st.floats(-10, 10)),
            "best_send_hour": draw(st.one_of(st.none(), st.integers(0, 23))),
            "most_frequent_open_hour": draw(st.one_of(st.none(), st.integers(0, 23))),
            "dominant_method_90d": draw(st.sampled_from([None, "wire", "card"])),
            "best_incentive": draw(st.sampled_from([None, "early_pay_discount", "payment_plan"])),
            "country_code": country,
            "timezone": zone,
            "language_code": lang,
            "account_owner": "owner-1",
            "customer_name": "Customer",
            "has_behaviour_alert": False,
            "alert_types": None,
            "is_quarantined": False,
            "quarantine_reason": None,
        }
        for i in range(draw(st.integers(1, 5))):
            issue = as_of - pd.Timedelta(days=draw(st.integers(0, 200)))
            due = issue + pd.Timedelta(days=draw(st.sampled_from([0, 15, 30, 45, 60])))
            amount = float(draw(st.integers(50, 50_000)))
            paid = draw(st.sampled_from([0.0, 0.0, 0.3])) * amount
            promise = draw(st.sampled_from(["none", "none", "active", "broken"]))
            promise_date = (
                as_of + pd.Timedelta(days=draw(st.integers(0, 20)))
                if promise == "active"
                else as_of - pd.Timedelta(days=draw(st.integers(1, 20)))
                if promise == "broken"
                else pd.NaT
            )
            invoices.append(
                profile
                | {
                    "invoice_id": f"{cid}-I{i}",
                    "currency_code": "EUR",
                    "issue_date": issue,
                    "due_date": due,
                    "po_number": None,
                    "invoice_amount": amount,
                    "paid_amount": paid,
                    "open_amount": amount - paid,
                    "days_past_due": max((as_of - due).days, 0),
                    "is_in_dispute": draw(st.booleans()) and draw(st.booleans()),
                    "has_active_promise": promise == "active",
                    "promise_date": promise_date,
                    "promise_broken": promise == "broken",
                    "days_since_promise": float((as_of - promise_date).days) if promise == "broken" else float("nan"),
                    "p50_days_late": float("nan"),
                    "p_late_30": float("nan"),
                }
            )
        for k in range(draw(st.integers(0, 3))):
            email = draw(st.sampled_from([f"{cid}k{k}@example.com", None]))
            # dbt's suppression model decides is_emailable: never without an address, often with one
            contacts.append(
                {
                    "contact_id": f"{cid}-K{k}",
                    "customer_id": cid,
                    "email": email,
                    "full_name": None,
                    "role": draw(st.sampled_from(["billing", "owner", "other"])),
                    "is_primary": k == 0,
                    "is_emailable": email is not None and draw(st.booleans()),
                    "timezone": draw(st.sampled_from([None, "America/Los_Angeles"])),
                }
            )
        for h in range(draw(st.integers(0, 4))):
            journey, step = draw(st.sampled_from(STEP_NAMES + [("standard", "owner_notice")]))
            history.append(
                {
                    "message_id": f"{cid}-M{h}",
                    "customer_id": cid,
                    "invoice_id": f"{cid}-I{draw(st.integers(0, 4))}",
                    "channel": "task" if step == "owner_notice" else draw(st.sampled_from(["email", "call"])),
                    "sent_at": as_of - pd.Timedelta(days=draw(st.integers(0, 40)), hours=draw(st.integers(0, 23))),
                    "journey": journey,
                    "step": step,
                    "tone": "neutral",
                }
            )
        if draw(st.integers(0, 4)) == 0:
            blocks.append(
                {
                    "customer_id": cid,
                    "invoice_id": draw(st.sampled_from([None, f"{cid}-I0"])),
                    "reason": "negotiating",
                    "until": as_of + pd.Timedelta(days=draw(st.integers(-5, 30))),
                }
            )
    return Book(
        as_of=as_of,
        invoices=pd.DataFrame(invoices),
        contacts=pd.DataFrame(
            contacts,
            columns=[
                "contact_id",
                "customer_id",
                "email",
                "full_name",
                "role",
                "is_primary",
                "is_emailable",
                "timezone",
            ],
        ),
        history=pd.DataFrame(
            history,
            columns=["message_id", "customer_id", "invoice_id", "channel", "sent_at", "journey", "step", "tone"],
        ),
        blocks=pd.DataFrame(blocks, columns=["customer_id", "invoice_id", "reason", "until"]),
    )


POLICIES = [catalog.load_policy("b2b"), catalog.load_policy("consumer_reg_f")]


def sends_of(plan) -> pd.DataFrame:
    return plan.contact_list[plan.contact_list.action == "send"]


def touches_before(book: Book, customer_id: str, since: pd.Timestamp) -> pd.DataFrame:
    h = book.history
    return h[(h.customer_id == customer_id) & (h.sent_at >= since) & h.channel.isin(CUSTOMER_FACING)].drop_duplicates(
        "message_id"
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=books(), policy=st.sampled_from(POLICIES))
def test_no_planned_send_breaks_a_contact_rule(book, policy):
    plan = plan_day(book, JOURNEYS, policy, EXPERIMENTS)
    send_day = send_day_of(book.as_of)
    invoices = book.invoices.set_index("invoice_id")
    contacts = book.contacts.set_index("contact_id")
    sends = sends_of(plan)
    earliest = pd.Timestamp(not_before(send_day)).tz_localize(None)
    for msg in sends.itertuples():
        covered = invoices.loc[msg.invoice_ids.split(",")]
        assert not covered.is_in_dispute.any(), "reminder about an invoice in open dispute"
        pending = covered.has_active_promise & (covered.promise_date >= send_day)
        assert not pending.any(), "reminder before a promised payment date"
        live = book.blocks[book.blocks.until.isna() | (book.blocks.until >= send_day)]
        assert msg.customer_id not in set(live[live.invoice_id.isna()].customer_id), "customer block ignored"
        assert not covered.index.isin(live.invoice_id.dropna()).any(), "invoice block ignored"
        assert ((send_day - covered.issue_date).dt.days >= policy.days_after_invoice_email).all()
        if msg.channel == "email":
            contact = contacts.loc[msg.contact_id]
            assert contact.customer_id == msg.customer_id and "@" in (contact.email or "")
            assert contact.is_emailable, "e-mail to a suppressed address (opt-out, unsubscribe, bounce)"
        # quiet hours, weekends and holidays where the contact is; SendGrid's 72 h
        local = msg.send_at_utc.tz_localize("UTC").tz_convert(ZoneInfo(msg.timezone))
        minute = local.hour * 60 + local.minute
        assert policy.window_start_minute <= minute < policy.window_end_minute
        assert local.weekday() < 5
        assert schedule.holiday_name(covered.country_code.iloc[0], local.date()) is None
        assert earliest <= msg.send_at_utc <= earliest + timedelta(hours=72)
        assert local.minute != 0  # never at the top of the hour
        # spacing in the first 60 days past due, weekly cap across channels
        same_day = sends[(sends.customer_id == msg.customer_id) & (sends.message_id != msg.message_id)]
        assert same_day.empty, "two messages to one customer on one day"
        if msg.max_days_past_due <= policy.spacing_until_dpd:
            spacing_start = send_day - pd.Timedelta(days=policy.min_days_between_reminders - 1)
            assert touches_before(book, msg.customer_id, spacing_start).empty
        week = touches_before(book, msg.customer_id, send_day - pd.Timedelta(days=6))
        assert len(week) + len(same_day) + 1 <= policy.weekly_cap
        if msg.tone in ("firm", "final"):
            assert msg.max_days_past_due >= policy.firm_tone_from_dpd
            h = book.history
            told = h[
                (h.customer_id == msg.customer_id)
                & (h.step == "owner_notice")
                & (h.sent_at < send_day - pd.Timedelta(days=policy.owner_notice_days - 1))
            ]
            assert len(told), "firm or final message without telling the account owner first"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=books())
def test_every_wanted_send_is_planned_or_blocked_with_a_rule(book):
    plan = plan_day(book, JOURNEYS, POLICIES[0], EXPERIMENTS)
    send_day = send_day_of(book.as_of)
    history = book.history.assign(sent_at=pd.to_datetime(book.history.sent_at))
    wanted = due_steps(book.invoices, JOURNEYS, send_day, done_steps(history))
    covered = {i for ids in plan.contact_list.invoice_ids for i in ids.split(",")}
    accounted = covered | set(plan.blocked.invoice_id)
    assert set(wanted.invoice_id) <= accounted
    assert plan.blocked.rule.notna().all() and (plan.blocked.detail.str.len() > 0).all()
    held = plan.contact_list[plan.contact_list.action == "hold_out"]
    assert (held.variant == "holdout").all()
    again = plan_day(book, JOURNEYS, POLICIES[0], EXPERIMENTS)
    pd.testing.assert_frame_equal(plan.contact_list, again.contact_list)  # deterministic ids and choices


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=books(), segment=st.sampled_from([None, "good_payer", "at_risk", "high_risk"]))
def test_a_rerun_of_the_day_keeps_what_it_sent_and_adds_nothing_for_customers_reached(book, segment):
    from dataclasses import replace

    first = sends_of(plan_day(book, JOURNEYS, POLICIES[0], EXPERIMENTS))
    delivered = dict(zip(first.message_id, first.customer_id, strict=False))
    # the day is re-run on the same data, or on changed data (e.g. after the models were trained)
    invoices = book.invoices if segment is None else book.invoices.assign(segment=segment)
    changed = replace(book, invoices=invoices, delivered_today=delivered)
    again = sends_of(plan_day(changed, JOURNEYS, POLICIES[0], EXPERIMENTS))
    reached = again[again.customer_id.isin(set(delivered.values()))]
    assert reached.message_id.isin(list(delivered)).all(), "a second message to a customer already reached today"
    if segment is None:  # unchanged data: the re-run keeps every message it already handed over
        assert set(delivered) <= set(again.message_id), "a re-run dropped a message already sent"


MONDAY = pd.Timestamp("2026-03-09")  # the send day is a Tuesday, a working day everywhere
ONE_CONTACT = pd.DataFrame(
    [
        {
            "contact_id": "K1",
            "customer_id": "C1",
            "email": "a@example.com",
            "full_name": None,
            "role": "billing",
            "is_primary": True,
            "is_emailable": True,
            "timezone": None,
        }
    ]
)
HISTORY_COLUMNS = ["message_id", "customer_id", "invoice_id", "channel", "sent_at", "journey", "step", "tone"]


def one_invoice(days_past_due: int, **changes) -> pd.DataFrame:
    """One open invoice of a standard customer C1 with a reachable contact, as of MONDAY."""
    return pd.DataFrame(
        [
            {
                "customer_id": "C1",
                "invoice_id": "I1",
                "segment": "standard",
                "payment_delay_risk": 0.15,
                "self_cure_probability": None,
                "late_share_365d": 0.5,
                "self_cure_share_365d": 0.2,
                "avg_days_late_365d": 10.0,
                "days_late_trend": 0.0,
                "best_send_hour": 10,
                "most_frequent_open_hour": 9,
                "best_incentive": None,
                "country_code": "FR",
                "timezone": "Europe/Paris",
                "language_code": "fr",
                "account_owner": "o",
                "customer_name": "n",
                "has_behaviour_alert": False,
                "alert_types": None,
                "is_quarantined": False,
                "quarantine_reason": None,
                "currency_code": "EUR",
                "po_number": None,
                "invoice_amount": 100.0,
                "paid_amount": 0.0,
                "open_amount": 100.0,
                "is_in_dispute": False,
                "issue_date": MONDAY - pd.Timedelta(days=days_past_due + 30),
                "due_date": MONDAY - pd.Timedelta(days=days_past_due),
                "days_past_due": days_past_due,
                "p50_days_late": float("nan"),
                "p_late_30": float("nan"),
                "has_active_promise": False,
                "promise_date": pd.NaT,
                "promise_broken": False,
                "days_since_promise": float("nan"),
            }
            | changes
        ]
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=books())
def test_a_pre_due_message_covers_only_invoices_not_yet_due(book):
    plan = plan_day(book, JOURNEYS, POLICIES[0], EXPERIMENTS)
    due = book.invoices.set_index("invoice_id").due_date
    for msg in sends_of(plan).itertuples():
        if msg.template == "pre_due":
            assert (due.loc[list(msg.invoice_ids.split(","))] >= msg.send_day).all()


def test_an_invoice_already_late_whose_pre_due_step_never_went_out_waits_for_its_first_reminder():
    """A high-risk invoice 2 days late (pre-due at -3 days never sent, first reminder at +13) gets
    no "falls due on" e-mail; one due in 2 days does."""
    no_history = pd.DataFrame(columns=HISTORY_COLUMNS)
    late = one_invoice(2, segment="high_risk", payment_delay_risk=0.9)
    assert sends_of(plan_day(Book(MONDAY, late, ONE_CONTACT, no_history), JOURNEYS, POLICIES[0])).empty
    soon = one_invoice(-2, segment="high_risk", payment_delay_risk=0.9)
    sent = sends_of(plan_day(Book(MONDAY, soon, ONE_CONTACT, no_history), JOURNEYS, POLICIES[0]))
    assert list(sent.template) == ["pre_due"]


def test_a_broken_promise_resumes_reminders_and_a_pending_one_holds_them():
    no_history = pd.DataFrame(columns=HISTORY_COLUMNS)
    pending = one_invoice(30, has_active_promise=True, promise_date=MONDAY + pd.Timedelta(days=3))
    broken = one_invoice(30, promise_date=MONDAY - pd.Timedelta(days=1), promise_broken=True, days_since_promise=1.0)
    held = plan_day(Book(MONDAY, pending, ONE_CONTACT, no_history), JOURNEYS, POLICIES[0])
    assert sends_of(held).empty
    sent = sends_of(plan_day(Book(MONDAY, broken, ONE_CONTACT, no_history), JOURNEYS, POLICIES[0]))
    assert list(sent.step) == ["promise_follow_up"] and list(sent.journey) == ["promise_to_pay"]


def test_a_rerun_keeps_a_reminder_that_used_the_last_slot_under_the_weekly_cap():
    """Past 60 days the spacing rule is off and the weekly cap alone limits touches: the
    message's own touch must not count against itself when the day is run again."""
    earlier = pd.DataFrame(
        [["M0", "C1", "I1", "email", MONDAY - pd.Timedelta(days=3), "standard", "second_reminder", "neutral"]],
        columns=HISTORY_COLUMNS,
    )
    book = Book(MONDAY, one_invoice(61), ONE_CONTACT, earlier)
    first = sends_of(plan_day(book, JOURNEYS, POLICIES[0]))
    assert list(first.step) == ["third_reminder"]
    rerun = Book(MONDAY, book.invoices, ONE_CONTACT, earlier, delivered_today={first.message_id.iloc[0]: "C1"})
    assert list(sends_of(plan_day(rerun, JOURNEYS, POLICIES[0])).message_id) == list(first.message_id)


def test_a_rerun_sends_nothing_new_to_a_customer_an_earlier_run_of_the_day_reached():
    book = Book(
        MONDAY,
        one_invoice(20),
        ONE_CONTACT,
        pd.DataFrame(columns=HISTORY_COLUMNS),
        delivered_today={"rl-sent-by-the-first-run": "C1"},
    )
    plan = plan_day(book, JOURNEYS, POLICIES[0])
    assert sends_of(plan).empty
    assert set(plan.blocked.rule) == {"one_touch_per_day"}


@pytest.mark.parametrize(
    "profile, offer",
    [
        ({"avg_days_late_365d": 40.0, "dominant_method_90d": "card"}, "payment_plan"),
        ({"avg_days_late_365d": 8.0, "dominant_method_90d": "card"}, "card_payment_link"),
        ({"avg_days_late_365d": 8.0, "dominant_method_90d": "wire"}, "none"),
        ({"avg_days_late_365d": 40.0, "best_incentive": "early_pay_discount"}, "early_pay_discount"),
    ],
)
def test_a_best_offer_step_uses_the_model_else_the_credit_managers_rule(profile, offer):
    """The standard second reminder offers the best incentive: the model's when scored."""
    earlier = pd.DataFrame(
        [["M0", "C1", "I1", "email", MONDAY - pd.Timedelta(days=16), "standard", "first_reminder", "neutral"]],
        columns=HISTORY_COLUMNS,
    )
    sent = sends_of(plan_day(Book(MONDAY, one_invoice(20, **profile), ONE_CONTACT, earlier), JOURNEYS, POLICIES[0]))
    assert list(zip(sent.step, sent.incentive, strict=False)) == [("second_reminder", offer)]


@pytest.mark.parametrize("model, reading, expected", [(14, 9, 14.0), (None, 9, 9.0), (None, None, None)])
def test_send_hour_prefers_the_model_then_the_customers_reading_habit(model, reading, expected):
    from journeys.offers import preferred_hour

    hour, reason = preferred_hour(pd.Series({"best_send_hour": model, "most_frequent_open_hour": reading}))
    assert hour == expected and (
        "model" in reason if model else "usually reads" in reason if reading else "default" in reason
    )
