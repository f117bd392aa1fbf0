"""Promises to pay and disputes from customers' own words — read in e-mails, or made on the portal —
enter the handling ERP ones get: on one simulated day built through dbt (tests/commitments_world.py),
the next run's plan pauses a confirmed promise until its date, resumes after a broken one, ignores
one nobody confirmed (unless accepted automatically), pauses a disputed invoice with the dispute's
reason and routes it to dispute resolution, routes a payment-plan request to a person, and writes
to the billing address the customer gave on the portal."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from journeys import book, catalog, commitments, policy
from journeys.contact_list import plan_day
from tests.commitments_world import DAY, build


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    world = build(tmp_path_factory.mktemp("commitments"))
    with duckdb.connect(str(world["warehouse"])) as con:
        today = book.load(con)
        plan = plan_day(today, catalog.load_journeys(), catalog.load_policy("b2b"), catalog.load_experiments())
        world["promises"] = con.execute("select * from marts.fct_promises_to_pay").df()
        world["disputes"] = con.execute("select * from marts.fct_disputes").df()
        world["plans"] = con.execute("select * from marts.fct_payment_plan_requests").df()
        world["contacts"] = con.execute("select * from marts.dim_contacts").df()
    world.update(book=today, plan=plan)
    return world


def rows_of(frame: pd.DataFrame, customer_id: str) -> pd.DataFrame:
    return frame[frame.customer_id == customer_id]


def from_emails(frame: pd.DataFrame, customer_id: str) -> pd.DataFrame:
    """The customer's promises or disputes read in e-mails (the world's ERP has its own history)."""
    mine = rows_of(frame, customer_id)
    return mine[mine.get("promise_source", mine.get("dispute_source")) == "inbound"]


def planned(day, case: str) -> pd.DataFrame:
    return rows_of(day["plan"].contact_list, day["cases"][case])


def blocked_rules(day, case: str) -> set[str]:
    return set(rows_of(day["plan"].blocked, day["cases"][case]).rule)


def reminders(day, case: str) -> pd.DataFrame:
    rows = planned(day, case)
    return rows[(rows.action == "send") & (rows.channel == "email")]


def test_a_confirmed_promise_from_an_email_pauses_dunning_until_its_date(day):
    invoices = rows_of(day["book"].invoices, day["cases"]["text_promise_confirmed"])
    assert len(invoices) > 0 and invoices.has_active_promise.all()
    assert (invoices.promise_date == pd.Timestamp(DAY) + pd.Timedelta(days=10)).all()
    assert reminders(day, "text_promise_confirmed").empty  # the promise journey waits for the date
    mine = from_emails(day["promises"], day["cases"]["text_promise_confirmed"])
    assert len(mine) == len(invoices) and set(mine.promise_status) == {"pending"}
    assert set(mine.source_ref) == {"IN-text_promise_confirmed"}  # the latest decision (confirm) wins


def test_a_broken_promise_from_an_email_resumes_dunning(day):
    invoices = rows_of(day["book"].invoices, day["cases"]["text_promise_broken"])
    assert not invoices.has_active_promise.any() and invoices.promise_broken.all()
    assert "promise_pending" not in blocked_rules(day, "text_promise_broken")
    mine = from_emails(day["promises"], day["cases"]["text_promise_broken"])
    assert set(mine.promise_status) == {"broken"}


@pytest.mark.parametrize(
    ("case", "status"), [("text_promise_pending", "awaiting_confirmation"), ("text_promise_rejected", "rejected")]
)
def test_a_promise_nobody_confirmed_does_not_pause_dunning(day, case, status):
    invoices = rows_of(day["book"].invoices, day["cases"][case])
    assert len(invoices) > 0 and not invoices.has_active_promise.any() and not invoices.promise_broken.any()
    mine = from_emails(day["promises"], day["cases"][case])
    assert len(mine) > 0 and set(mine.confirmation_status) == {status} and set(mine.promise_status) == {status}
    assert "promise_to_pay" not in set(planned(day, case).journey)


def test_an_auto_accepted_promise_pauses_without_a_person(day):
    invoices = rows_of(day["book"].invoices, day["cases"]["text_promise_auto"])
    assert len(invoices) > 0 and invoices.has_active_promise.all()
    assert reminders(day, "text_promise_auto").empty


def test_a_message_read_by_todays_triage_waits_for_the_next_run(day):
    assert from_emails(day["promises"], day["cases"]["text_read_today"]).empty


def test_a_dispute_message_pauses_the_invoices_and_routes_them_to_dispute_resolution(day):
    customer = day["cases"]["text_dispute"]
    disputes = from_emails(day["disputes"], customer)
    assert len(disputes) > 0 and disputes.is_open.all() and set(disputes.dispute_reason) == {"other"}
    invoices = rows_of(day["book"].invoices, customer)
    assert invoices.is_in_dispute.all() and set(invoices.dispute_reason) == {"other"}
    rows = planned(day, "text_dispute")
    assert set(rows.journey) == {"disputed"} and set(rows.step) == {"route_to_dispute_desk"}
    assert reminders(day, "text_dispute").empty


def test_the_portal_promise_and_dispute_are_honoured_by_the_next_plan(day):
    promised, disputed = day["portal_invoices"]["portal_promise"], day["portal_invoices"]["portal_dispute"]
    invoices = day["book"].invoices.set_index("invoice_id")
    assert invoices.loc[promised, "has_active_promise"]
    assert invoices.loc[disputed, "is_in_dispute"] and invoices.loc[disputed, "dispute_reason"] == "wrong_amount"
    contact_list = day["plan"].contact_list
    about = contact_list.explode("invoice_ids") if "invoice_ids" in contact_list else contact_list
    sends = about[(about.action == "send") & (about.channel == "email")]
    assert not {promised, disputed} & set(sends.get("invoice_ids", sends.get("invoice_id", pd.Series())))
    dispute_rows = planned(day, "portal_dispute")
    assert "disputed" in set(dispute_rows.journey)
    promise = day["promises"].set_index("invoice_id").loc[promised]
    assert (promise.promise_source, promise.confirmation_status, promise.promise_status) == (
        "portal",
        "confirmed",
        "pending",
    )


def test_a_payment_plan_request_routes_the_customer_to_a_person(day):
    customer = day["cases"]["portal_plan"]
    request = rows_of(day["plans"], customer)
    assert list(request.request_status) == ["awaiting_review"] and list(request.installments) == [3]
    assert rows_of(day["book"].invoices, customer).has_payment_plan_request.all()
    rows = planned(day, "portal_plan")
    assert set(rows.journey) == {"payment_plan_requested"} and set(rows.channel) == {"task"}


def test_the_billing_contact_given_on_the_portal_is_the_one_written_to(day):
    customer = day["cases"]["portal_contact"]
    contacts = rows_of(day["contacts"], customer).set_index("contact_id")
    new = contacts[contacts.contact_source == "portal"]
    assert len(new) == 1 and new.email.iloc[0] == "nouvelle.compta@example.com" and new.is_emailable.iloc[0]
    replaced = contacts[contacts.superseded_at.notna()]
    assert len(replaced) > 0 and set(replaced.suppression_reason) == {"replaced_by_customer"}  # kept, not written to
    assert policy.reachable_contact(day["book"].contacts).loc[customer, "contact_id"] == new.index[0]
    emails = reminders(day, "portal_contact")
    assert set(emails.contact_id) <= {new.index[0]}


def test_landing_again_adds_nothing(day):
    with duckdb.connect(str(day["warehouse"])) as con:
        assert commitments.land_inbound(con, DAY, auto_accept=True) == 0
        before = con.execute("select count(*) from journeys.commitment_decisions").fetchone()[0]
        from cockpit import decisions

        commitments.copy_decisions(con, decisions.commitment_decisions(day["root"] / "decisions.sqlite"))
        assert con.execute("select count(*) from journeys.commitment_decisions").fetchone()[0] == before == 4


def test_the_cockpit_lists_the_promises_awaiting_a_person_and_records_who_confirmed(day, tmp_path):
    from cockpit import commitments as cockpit_commitments
    from cockpit import decisions
    from orchestration.marts.parquet_export import export_marts

    store, exports = tmp_path / "decisions.sqlite", tmp_path / "exports"
    with duckdb.connect(str(day["warehouse"])) as con:  # the cockpit reads the published exports
        export_marts(con, exports, str(DAY), ["fct_promises_to_pay", "fct_disputes", "fct_payment_plan_requests"])
    pending = cockpit_commitments.pending_promises(exports, store)
    assert set(pending.source_ref) == {"IN-text_promise_pending"}  # confirmed, rejected and auto ones are not
    assert pending.decision.isna().all() and pending.invoices.iloc[0] > 0
    decisions.record_commitment("promise", "IN-text_promise_pending", "confirmed", "lea", path=store)
    decided = cockpit_commitments.pending_promises(exports, store)
    assert list(decided.decision) == ["confirmed"] and list(decided.decided_by) == ["lea"]
    disputes = cockpit_commitments.open_disputes(exports, store)
    assert {"IN-text_dispute"} <= set(disputes.source_ref) and "erp" not in set(disputes.dispute_source)
    assert len(cockpit_commitments.plan_requests(exports, store)) == 1
    with pytest.raises(ValueError, match="a promise decision is one of"):
        decisions.record_commitment("promise", "IN-x", "resolved", "lea", path=store)


def test_the_cockpit_page_confirms_a_promise_as_the_signed_in_person(day, tmp_path, monkeypatch):
    """The page itself (Streamlit's AppTest runs it as the server would): pick the pending promise,
    confirm it, and the decision lands in the cockpit's store with who made it."""
    from streamlit.testing.v1 import AppTest

    from cockpit import decisions
    from orchestration.marts.parquet_export import export_marts

    exports = tmp_path / "exports"
    with duckdb.connect(str(day["warehouse"])) as con:
        export_marts(con, exports, str(DAY), ["fct_promises_to_pay", "fct_disputes", "fct_payment_plan_requests"])
    monkeypatch.setenv("COCKPIT_WAREHOUSE", str(exports))
    monkeypatch.setenv("COCKPIT_STATE_DIR", str(tmp_path / "cockpit"))
    script = tmp_path / "page.py"
    script.write_text(
        "import streamlit as st\nfrom cockpit.views import commitments\n"
        "st.session_state['user'] = 'lea'\ncommitments.render()\n"
    )
    page = AppTest.from_file(str(script), default_timeout=60).run()
    assert not page.exception
    assert page.selectbox(key="commit_promise_item").value == "IN-text_promise_pending"
    page.radio(key="commit_promise_decision").set_value("rejected")
    page.button[0].click().run()
    assert not page.exception and "rejected recorded by lea" in page.success[0].value
    made = decisions.commitment_decisions(tmp_path / "cockpit" / "decisions.sqlite")
    assert [(d["item_id"], d["decision"], d["decided_by"]) for d in made] == [
        ("IN-text_promise_pending", "rejected", "lea")
    ]
