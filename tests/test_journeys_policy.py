"""Property-based tests: whatever the book looks like, no planned send breaks a contact rule,
and every send a journey wanted is either planned or blocked with a recorded rule."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pandas as pd
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
                    "has_payment_plan_request": False,
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
    assert plan.contact_list.message_id.is_unique, "one message (or owner notice) planned twice"
    earliest = pd.Timestamp(not_before(send_day)).tz_localize(None)
    for msg in sends.itertuples():
        covered = invoices.loc[msg.invoice_ids]
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
    covered = {i for ids in plan.contact_list.invoice_ids for i in ids}
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
    changed = replace(book, invoices=invoices, sent_today=first)
    again = sends_of(plan_day(changed, JOURNEYS, POLICIES[0], EXPERIMENTS))
    reached = again[again.customer_id.isin(set(delivered.values()))]
    assert reached.message_id.isin(list(delivered)).all(), "a second message to a customer already reached today"
    kept = again.set_index("message_id").reindex(list(delivered))
    assert kept.already_sent.eq(True).all(), "a re-run dropped a message already sent"
    assert (kept.reason_now == first.set_index("message_id").reason_now).all(), "a sent message lost its reason"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=books())
def test_a_pre_due_message_covers_only_invoices_not_yet_due(book):
    plan = plan_day(book, JOURNEYS, POLICIES[0], EXPERIMENTS)
    due = book.invoices.set_index("invoice_id").due_date
    for msg in sends_of(plan).itertuples():
        if msg.template == "pre_due":
            assert (due.loc[msg.invoice_ids] >= msg.send_day).all()
