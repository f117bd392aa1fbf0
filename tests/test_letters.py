"""Printed letters on hand-built days: a customer no contact of which can be e-mailed gets a
letter in the day's print-ready batch, with the amounts the e-mail would have stated, recorded
once in the outbox and the contact history however often the day is re-run; a paused customer
(dunning block, dispute, promise) or one who asked to stop reminders gets none; a letter people
held does not print."""

from __future__ import annotations

import dataclasses

import duckdb
import pandas as pd
import pytest

from journeys import store
from journeys.catalog import load_branding
from journeys.contact_list import Book, plan_day
from journeys.letters import print_day
from tests.test_documents import text
from tests.test_journeys_policy import JOURNEYS, POLICIES, sends_of
from tests.test_journeys_rules import HISTORY_COLUMNS, MONDAY, ONE_CONTACT, one_invoice

NO_HISTORY = pd.DataFrame(columns=HISTORY_COLUMNS)
UNREACHABLE = ONE_CONTACT.assign(is_emailable=False, suppression_reason=None)  # no address, say
OVERDUE = one_invoice(61, open_amount=1234.5, invoice_amount=1234.5)


def plan_for(invoices=OVERDUE, contacts=UNREACHABLE, blocks=None, policy=POLICIES[0]):
    book = Book(MONDAY, invoices, contacts, NO_HISTORY)
    if blocks is not None:
        book.blocks = pd.DataFrame(blocks, columns=["customer_id", "invoice_id", "reason", "until"])
    return plan_day(book, JOURNEYS, policy)


def test_a_customer_without_an_emailable_contact_gets_a_letter_not_nothing():
    sends = sends_of(plan_for())
    assert list(sends.channel) == ["letter"]
    assert sends.iloc[0].amount_due == 1234.5 and "by letter" in sends.iloc[0].reason_now
    emailed = sends_of(plan_for(contacts=ONE_CONTACT))
    assert list(emailed.channel) == ["email"]
    assert emailed.iloc[0].message_id != sends.iloc[0].message_id  # a letter is its own message
    no_letters = plan_for(policy=dataclasses.replace(POLICIES[0], letters_when_no_email=False))
    assert sends_of(no_letters).empty and set(no_letters.blocked.rule) == {"no_reachable_contact"}


@pytest.mark.parametrize("reason", ["opted_out", "unsubscribed", "spam_report"])
def test_a_customer_who_asked_to_stop_gets_no_letter_unless_the_policy_says_so(reason):
    stopped = UNREACHABLE.assign(suppression_reason=reason)
    plan = plan_for(contacts=stopped)
    assert sends_of(plan).empty and set(plan.blocked.rule) == {"no_reachable_contact"}
    allowed = dataclasses.replace(POLICIES[0], letters_after_opt_out=True)
    assert list(sends_of(plan_for(contacts=stopped, policy=allowed)).channel) == ["letter"]
    assert list(sends_of(plan_for(contacts=UNREACHABLE.assign(suppression_reason="bounced"))).channel) == ["letter"]


def test_a_letter_also_goes_to_a_customer_with_no_contact_on_file():
    assert list(sends_of(plan_for(contacts=ONE_CONTACT.iloc[0:0])).channel) == ["letter"]


@pytest.mark.parametrize(
    ("invoices", "blocks", "rule"),
    [
        (OVERDUE, [("C1", None, "insolvency proceedings", None)], "customer_block"),
        (OVERDUE.assign(is_in_dispute=True), None, None),  # routed to dispute resolution instead
        (OVERDUE.assign(has_active_promise=True, promise_date=MONDAY + pd.Timedelta(days=9)), None, None),
    ],
)
def test_a_paused_customer_gets_no_letter(invoices, blocks, rule):
    plan = plan_for(invoices=invoices, blocks=blocks)
    assert not plan.contact_list.channel.isin(["letter", "email"]).any()
    assert rule is None or rule in set(plan.blocked.rule)


@pytest.fixture
def warehouse():
    """The marts a letter reads (names as in the marts' YAML) and the day's plan saved as a run would."""
    con = duckdb.connect()
    con.execute("""create schema marts;
        create table marts.dim_customer_360 (customer_id VARCHAR, customer_name VARCHAR, account_owner VARCHAR);
        create table marts.dim_contacts (contact_id VARCHAR, full_name VARCHAR);
        create table marts.fct_invoices (invoice_id VARCHAR, po_number VARCHAR, due_date DATE,
                                         open_amount DECIMAL(18,2));
        insert into marts.dim_customer_360 values ('C1', 'Papeterie Martin', 'owner_03');
        insert into marts.dim_contacts values ('K1', 'Jeanne Martin');""")
    con.execute("insert into marts.fct_invoices values ('I1', 'PO-9', ?, 1234.50)", [OVERDUE.due_date.iloc[0]])
    store.save_plan(con, plan_for(), MONDAY)
    yield con
    con.close()


def letters_recorded(con) -> pd.DataFrame:
    return store.delivered_sends(con, MONDAY + pd.Timedelta(days=7)).query("channel == 'letter'")


def test_the_days_batch_holds_the_letter_with_its_amounts_recorded_once_across_reruns(warehouse, tmp_path):
    brand = load_branding()
    first = print_day(warehouse, brand, str(MONDAY.date()), tmp_path)
    assert (first.letters, first.new, first.failed) == (1, 1, 0)
    assert first.path == tmp_path / "2026-03-09" / "batch.pdf"
    content = text(first.path.read_bytes())
    assert "Papeterie Martin" in content and "I1" in content and "1 234,50 €" in content
    assert "en retard de 62 jours" in content  # on the send day, the day after MONDAY
    printed = first.path.read_bytes()
    store.save_plan(warehouse, plan_for(), MONDAY)  # the whole day again: plan, then print
    again = print_day(warehouse, brand, str(MONDAY.date()), tmp_path)
    assert (again.letters, again.new) == (1, 0) and again.path.read_bytes() == printed
    recorded = letters_recorded(warehouse)
    assert len(recorded) == 1 and recorded.iloc[0].customer_id == "C1"


def test_a_letter_people_hold_is_not_printed(warehouse, tmp_path):
    report = print_day(warehouse, load_branding(), str(MONDAY.date()), tmp_path, deliverable=lambda day, ids: set())
    assert (report.letters, report.waiting, report.path) == (0, 1, None)
    assert letters_recorded(warehouse).empty and not list(tmp_path.rglob("*.pdf"))


def test_a_letter_that_cannot_be_rendered_is_failed_with_its_reason(warehouse, tmp_path):
    warehouse.execute("delete from marts.fct_invoices")
    report = print_day(warehouse, load_branding(), str(MONDAY.date()), tmp_path)
    assert (report.letters, report.failed, report.path) == (0, 1, None)
    status, error = warehouse.execute("select status, last_error from journeys.outbox").fetchone()
    assert status == "failed" and "not in fct_invoices" in error


def test_a_letter_without_a_known_name_is_addressed_to_the_customer_number(warehouse, tmp_path):
    warehouse.execute("delete from marts.dim_customer_360; delete from marts.dim_contacts")
    report = print_day(warehouse, load_branding(), str(MONDAY.date()), tmp_path)
    content = text(report.path.read_bytes())
    assert report.letters == 1 and "C1" in content and "nan" not in content.lower().split()
