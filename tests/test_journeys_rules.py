"""The contact rules on hand-built days, one case each: pre-due messages expire at the due date,
a broken promise resumes reminders, re-runs keep what they sent and add nothing, the offer and
the send hour follow the models before the credit manager's rules."""

from __future__ import annotations

import pandas as pd
import pytest

from journeys.contact_list import Book, plan_day
from tests.test_journeys_policy import JOURNEYS, POLICIES, sends_of

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
            "suppression_reason": None,
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
                "dispute_reason": None,
                "dispute_source": None,
                "has_payment_plan_request": False,
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
    rerun = Book(MONDAY, book.invoices, ONE_CONTACT, earlier, sent_today=first)
    assert list(sends_of(plan_day(rerun, JOURNEYS, POLICIES[0])).message_id) == list(first.message_id)


def test_a_rerun_sends_nothing_new_to_a_customer_an_earlier_run_of_the_day_reached():
    book = Book(
        MONDAY,
        one_invoice(20),
        ONE_CONTACT,
        pd.DataFrame(columns=HISTORY_COLUMNS),
        sent_today=pd.DataFrame([{"message_id": "rl-sent-by-the-first-run", "customer_id": "C1", "channel": "email"}]),
    )
    plan = plan_day(book, JOURNEYS, POLICIES[0])
    assert list(plan.contact_list.message_id) == ["rl-sent-by-the-first-run"]  # kept, nothing added
    assert plan.contact_list.already_sent.all()
    assert set(plan.blocked.rule) == {"one_touch_per_day"}


def test_a_rerun_records_the_reason_the_first_run_gave_for_a_message_the_history_blocks():
    """The kill soak's finding: re-run after a call went out, a reminder the spacing rule blocks
    was recorded as blocked by the call instead (the first run judged it before planning the call)."""
    earlier = pd.DataFrame(
        [["M0", "C1", "I1", "email", MONDAY - pd.Timedelta(days=2), "standard", "first_reminder", "neutral"]],
        columns=HISTORY_COLUMNS,
    )
    first = plan_day(Book(MONDAY, one_invoice(20), ONE_CONTACT, earlier), JOURNEYS, POLICIES[0])
    assert set(first.blocked.rule) == {"min_spacing"}
    called = pd.DataFrame([{"message_id": "rl-call-of-the-first-run", "customer_id": "C1", "channel": "call"}])
    rerun = plan_day(Book(MONDAY, one_invoice(20), ONE_CONTACT, earlier, sent_today=called), JOURNEYS, POLICIES[0])
    assert set(rerun.blocked.rule) == {"min_spacing"}


def test_a_rerun_records_the_owner_notice_the_first_run_waited_for_and_sends_nothing_more():
    """The 30-day soak's second finding: a firm message waiting for the owner's notice was
    recorded, on the re-run after a letter had gone, as blocked by the letter."""
    history = pd.DataFrame(columns=HISTORY_COLUMNS)
    first = plan_day(Book(MONDAY, one_invoice(64), ONE_CONTACT, history), JOURNEYS, POLICIES[0])
    assert set(first.blocked.rule) == {"owner_notice_pending"}
    lettered = pd.DataFrame([{"message_id": "rl-letter-of-the-first-run", "customer_id": "C1", "channel": "letter"}])
    rerun = plan_day(Book(MONDAY, one_invoice(64), ONE_CONTACT, history, sent_today=lettered), JOURNEYS, POLICIES[0])
    assert set(rerun.blocked.rule) == {"owner_notice_pending"}
    assert not rerun.contact_list.action.eq("send").any()


def test_a_message_that_would_go_to_a_customer_an_earlier_run_reached_is_blocked():
    called = pd.DataFrame([{"message_id": "rl-call-of-the-first-run", "customer_id": "C1", "channel": "call"}])
    history = pd.DataFrame(columns=HISTORY_COLUMNS)
    alone = plan_day(Book(MONDAY, one_invoice(20), ONE_CONTACT, history), JOURNEYS, POLICIES[0])
    assert alone.contact_list.action.eq("send").any()
    rerun = plan_day(Book(MONDAY, one_invoice(20), ONE_CONTACT, history, sent_today=called), JOURNEYS, POLICIES[0])
    assert set(rerun.blocked.rule) == {"one_touch_per_day"}
    assert not rerun.contact_list.action.eq("send").any()


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


def test_the_account_owner_is_told_once_however_many_firm_messages_ask_for_it():
    from journeys.planner import Planner

    book = Book(MONDAY, one_invoice(64), ONE_CONTACT, pd.DataFrame(columns=HISTORY_COLUMNS))
    send_day = MONDAY + pd.Timedelta(days=1)
    planner = Planner(book, POLICIES[0], (), send_day, book.history.assign(sent_at=pd.NaT), set())
    msg = {"customer_id": "C1", "journey": "standard", "currency_code": "EUR", "reason_now": "64 days past due"}
    for channel in ("email", "call"):
        planner._owner_notice(msg | {"channel": channel}, "before a firm reminder")
    notices = [p for p in planner.planned if p["step"] == "owner_notice"]
    assert len(notices) == 1 and notices[0]["channel"] == "task"
