"""Automatic replies, end to end on a real DuckDB warehouse and the real SendGrid client against
the local server: an invoice copy arrives with its PDF readable, each request is answered exactly
once across re-runs and re-triage, never to an opted-out or suppressed contact, an unsubscribe is
honoured at once and confirmed once, what a machine cannot answer goes to people, and nothing
personal reaches SendGrid's categories or custom_args."""

from __future__ import annotations

import base64
import email
import io
from datetime import UTC, datetime

import duckdb
import pytest
from pypdf import PdfReader

from journeys import catalog, delivery, replies, store
from tests import replies_world as world
from tests.replies_world import AS_OF, request
from tests.sendgrid_server import SendGridServer

BRAND = catalog.load_branding()
CONFIG = replies.load_config()
NOW = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)
PII = [c[2] for c in world.CONTACTS] + [c[3] for c in world.CONTACTS] + [c[1] for c in world.CUSTOMERS]


@pytest.fixture
def server():
    running = SendGridServer()
    yield running
    running.close()


@pytest.fixture
def con(tmp_path):
    connection = world.build(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def run_day(con, server, as_of: str = AS_OF, now: datetime = NOW):
    """The day's replies then the day's delivery, as the daily job runs them."""
    report = replies.plan(con, as_of, BRAND, CONFIG)
    sender = delivery.SendGridSender("SG.test-key", host=server.host, sandbox=True)
    delivery.deliver(con, sender, BRAND, as_of, now=now)
    return report


def decisions(con) -> dict[str, tuple]:
    rows = con.execute("select inbound_id, status, reply_message_id, reason from journeys.inbound_replies").fetchall()
    return {r[0]: r[1:] for r in rows}


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split())


def test_an_invoice_copy_arrives_with_the_pdf_attached_and_readable(con, server):
    world.triage(
        con, AS_OF, request("M1", "K1", "invoice_copy", "Bonjour, pouvez-vous m'envoyer la facture F 2026 0042 ?")
    )
    run_day(con, server)

    assert len(server.sends) == 1
    sent = server.sends[0]
    assert sent["personalizations"][0]["to"][0]["email"] == "jeanne.dupont@client.example"
    assert sent["subject"].startswith("Copie de la facture F-2026-0042")
    (attachment,) = sent["attachments"]
    assert (attachment["type"], attachment["disposition"]) == ("application/pdf", "attachment")
    assert attachment["filename"] == "invoice-F-2026-0042.pdf"
    text = pdf_text(base64.b64decode(attachment["content"]))
    assert "F-2026-0042" in text and "PO-881" in text and "Dupont Industries" in text
    assert "F-2026-0043" not in text  # only the invoice the customer named
    assert decisions(con)["M1"][:2] == ("replied", replies.reply_message_id("M1"))
    assert sent["custom_args"]["message_id"] == replies.reply_message_id("M1")


def test_exactly_once_per_request_across_reruns_and_re_triage(con, server):
    world.triage(con, AS_OF, request("M1", "K1", "invoice_copy"), request("M2", "K2", "payment_link"))
    run_day(con, server)
    run_day(con, server)  # the day re-run: replies and delivery again
    world.triage(con, "2026-03-10", request("M1", "K1", "payment_link"), request("M2", "K2", "payment_link"))
    run_day(con, server, "2026-03-10", datetime(2026, 3, 11, 6, 30, tzinfo=UTC))  # re-triaged the next day

    assert sorted(s["custom_args"]["message_id"] for s in server.sends) == sorted(
        replies.reply_message_id(m) for m in ("M1", "M2")
    )
    assert con.execute("select count(*) from journeys.outbox").fetchone()[0] == 2
    statuses = con.execute("select distinct status from journeys.outbox").fetchall()
    assert statuses == [("sent",)]


def test_never_to_an_opted_out_or_suppressed_contact(con, server):
    world.triage(
        con,
        AS_OF,
        request("M1", "K3", "invoice_copy"),  # opted out in the ERP (dim_contacts.is_emailable false)
        request("M2", "K3", "payment_link"),
        request("M3", None, "invoice_copy", customer_id="C2"),  # a sender who is not a contact of the customer
    )
    report = run_day(con, server)

    assert server.sends == []
    assert con.execute("select count(*) from journeys.outbox").fetchone()[0] == 0
    assert report.to_person == 3
    assert decisions(con)["M1"][0] == "to_person" and "opted out or suppressed" in decisions(con)["M1"][2]
    assert "not a known contact" in decisions(con)["M3"][2]


def test_an_unsubscribe_is_honoured_at_once_and_confirmed_once(con, server):
    store.ensure(con)
    con.execute("""insert into journeys.outbox (message_id, as_of_date, send_day, customer_id, contact_id, channel,
                   journey, step, template, invoice_ids, currency_code, language_code, send_at, status, subject,
                   body_html, body_text)
                   values ('rl-planned', DATE '2026-03-09', DATE '2026-03-10', 'C2', 'K2', 'email', 'standard',
                   'reminder_1', 'reminder', ['INV-7'], 'GBP', 'en', TIMESTAMP '2026-03-10 09:10', 'pending',
                   's', 'h', 't')""")  # fmt: skip
    world.triage(con, AS_OF, request("M1", "K2", "unsubscribe", "Please remove me from your mailing list."))
    run_day(con, server)
    world.triage(
        con,
        "2026-03-10",
        request("M2", "K2", "unsubscribe", "STOP", received_at=datetime(2026, 3, 10, 8)),
        request("M3", "K2", "invoice_copy", "Copy of INV-7 please", received_at=datetime(2026, 3, 10, 9)),
    )
    run_day(con, server, "2026-03-10", datetime(2026, 3, 11, 6, 30, tzinfo=UTC))

    assert [s["custom_args"]["message_id"] for s in server.sends] == [replies.reply_message_id("M1")]
    assert server.sends[0]["subject"].startswith("You will no longer receive our reminders")
    planned = con.execute("select status, last_error from journeys.outbox where message_id = 'rl-planned'").fetchone()
    assert planned == ("cancelled", "the contact unsubscribed by e-mail")
    found = decisions(con)
    assert (found["M2"][0], found["M3"][0]) == ("unsubscribed", "to_person")
    seen_by_planner = store.contacts_with_own_suppression(con, []).set_index("contact_id").is_emailable  # book.contacts
    assert not seen_by_planner["K2"] and seen_by_planner["K1"]


@pytest.mark.parametrize(
    "changes",
    [
        {"category": "dispute"},
        {"category": "promise_to_pay"},
        {"category": "other"},
        {"category": "invoice_copy", "confidence": 0.41},
        {"category": "invoice_copy", "secondary_category": "dispute"},
        {"category": "payment_link", "secondary_category": "po_number"},  # two requests: one answer would drop one
        {"category": "payment_link", "confidence": None},
        {"category": "invoice_copy", "received_at": datetime(2026, 3, 1, 9)},
        {"category": "po_number", "contact_id": "K1"},  # the invoice named has no PO number on file
    ],
)
def test_a_request_a_machine_should_not_answer_produces_no_reply(con, server, changes):
    body = "La facture F-2026-0043 n'a pas de bon de commande ?"
    world.triage(con, AS_OF, request("M1", "K1", changes.pop("category"), body, **changes))
    report = run_day(con, server)

    assert server.sends == [] and report.replied == 0 and report.to_person == 1
    assert con.execute("select count(*) from journeys.outbox").fetchone()[0] == 0
    assert decisions(con)["M1"][0] == "to_person"


def test_no_personal_data_in_categories_or_custom_args(con, server):
    world.triage(con, AS_OF, request("M1", "K1", "invoice_copy"), request("M2", "K2", "po_number", "PO for INV-7?"))
    run_day(con, server)

    assert len(server.sends) == 2
    for sent in server.sends:
        opaque = " ".join(sent["categories"]) + " " + " ".join(sent["custom_args"].values())
        assert not [p for p in PII if p.lower() in opaque.lower()]
        assert "relance-reply" in sent["categories"]


def test_the_dry_run_eml_carries_the_pdf(con, tmp_path):
    world.triage(con, AS_OF, request("M1", "K2", "invoice_copy", "Please send INV-7 again"))
    replies.plan(con, AS_OF, BRAND, CONFIG)
    delivery.deliver(con, delivery.DryRunSender(tmp_path / "outbox"), BRAND, AS_OF, now=NOW)

    (eml,) = (tmp_path / "outbox" / "2026-03-10").glob("*.eml")
    parsed = email.message_from_bytes(eml.read_bytes())
    (pdf,) = [p for p in parsed.walk() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == "invoice-INV-7.pdf" and "INV-7" in pdf_text(pdf.get_payload(decode=True))


@pytest.mark.parametrize(("newest_loaded", "queued"), [(AS_OF, 1), ("2026-03-10", 0)])
def test_the_dagster_asset_replies_on_the_current_day_and_never_on_a_backfill(
    relance_home, tmp_path, newest_loaded, queued
):
    import dagster as dg

    from orchestration.journeys.replies import inbound_replies
    from orchestration.resources import JourneysConfigResource, SendGridResource, WarehouseResource

    path = tmp_path / "warehouse.duckdb"
    with world.build(path) as con:
        world.triage(con, AS_OF, request("M1", "K1", "payment_link"))
        con.execute("create schema raw; create table raw.load_log (partition_date DATE)")
        con.execute("insert into raw.load_log values (?)", [newest_loaded])
    resources = {
        "warehouse": WarehouseResource(path=str(path)),
        "sendgrid": SendGridResource(api_key=None),
        "journeys_config": JourneysConfigResource(),
    }
    result = dg.materialize([inbound_replies], partition_key=AS_OF, resources=resources)

    assert result.success
    (check,) = result.get_asset_check_evaluations()
    assert check.passed
    with duckdb.connect(str(path)) as con:
        store.ensure(con)
        assert con.execute("select count(*) from journeys.outbox where journey = 'reply'").fetchone()[0] == queued


def test_one_request_that_cannot_be_answered_never_stops_the_others(con, server):
    con.execute("update marts.fct_invoices set due_date = null where customer_id = 'C1'  -- a broken ERP row")
    world.triage(con, AS_OF, request("M1", "K1", "invoice_copy"), request("M2", "K2", "payment_link"))
    report = run_day(con, server)

    assert (report.replied, report.to_person) == (1, 1)
    assert [s["custom_args"]["message_id"] for s in server.sends] == [replies.reply_message_id("M2")]
    assert decisions(con)["M1"][0] == "to_person" and "could not be built" in decisions(con)["M1"][2]


def test_a_reply_does_not_wait_for_the_approval_of_the_plan(con, server):
    world.triage(con, AS_OF, request("M1", "K2", "payment_link"))
    replies.plan(con, AS_OF, BRAND, CONFIG)
    sender = delivery.SendGridSender("SG.test-key", host=server.host, sandbox=True)
    report = delivery.deliver(con, sender, BRAND, AS_OF, now=NOW, deliverable=lambda day, ids: set())  # approval mode

    assert report.sent == 1 and report.waiting == 0


def test_the_check_rereads_the_stored_replies_and_catches_a_breach(con, server):
    world.triage(con, AS_OF, request("M1", "K1", "invoice_copy"), request("M2", "K2", "unsubscribe"))
    run_day(con, server)
    assert not any(replies.violations(con, AS_OF).values())

    con.execute("update journeys.outbox set contact_id = 'K3' where message_id = ?", [replies.reply_message_id("M1")])
    breaches = replies.violations(con, AS_OF)
    assert breaches["reply_to_a_suppressed_contact"] == 1 and breaches["reply_to_another_customer"] == 1
    con.execute("update journeys.inbound_replies set reply_message_id = null where inbound_id = 'M2'")
    assert replies.violations(con, AS_OF)["reply_without_its_request"] == 1


def test_a_reply_is_not_a_dunning_touch(con, server):
    world.triage(con, AS_OF, request("M1", "K2", "payment_link", "Link for INV-7?"))
    run_day(con, server)

    assert store.touches(con, before="2026-03-20").empty  # the planner's history: no reminder spacing from it
    assert store.handed_over(con, AS_OF).empty  # a re-run of the day plans the customer's reminders as before
    assert store.delivered_sends(con, "2026-03-20").empty  # nor the ERP's contact history
