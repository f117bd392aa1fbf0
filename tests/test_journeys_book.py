"""The dunning book as dbt marts, on one simulated day built through dbt with SendGrid events
that unsubscribe and bounce some contacts: the 360 and the planner agree, customer by customer,
on who can be e-mailed; the journeys, the audit, delivery and ML read marts only; the book and
the suppression model carry enforced contracts and tests."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from journeys import audit, book, catalog, delivery, policy, store
from journeys.contact_list import plan_day
from journeys.schedule import not_before, send_day_of
from tests.conftest import dbt_invoke

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 3, 31)
RELATION = re.compile(r"\b(?:from|join)\s+([a-z_]+)\.([a-z_0-9]+)", re.IGNORECASE)


class Recorder:
    """A DuckDB connection that remembers every statement it was given."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self._con, self.statements = con, []

    def execute(self, query: str, *args):
        self.statements.append(query)
        return self._con.execute(query, *args)

    def __getattr__(self, name: str):
        return getattr(self._con, name)


def relations(statements) -> set[tuple[str, str]]:
    return {(schema.lower(), table.lower()) for sql in statements for schema, table in RELATION.findall(sql)}


def sendgrid_events(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """SendGrid events for three customers with two or more addresses: A unsubscribes or reports
    spam on every one, B bounces on every one but one address was delivered to afterwards, C
    bounces on every one; a fourth, D, unsubscribes on the customer portal. Returns customer id → case."""
    contacts = con.execute(f"""select customer_id, list(contact_id order by contact_id) as ids from raw.contacts
                               where _partition = DATE '{DAY}' and email like '%@%' and opted_out_at is null
                               group by 1 having count(*) >= 2 order by 1 limit 4""").fetchall()
    assert len(contacts) == 4, "the world needs customers with two addresses"
    portal_unsubscribe(con, contacts.pop()[0])
    events, at = [], pd.Timestamp(DAY) - pd.Timedelta(days=5)
    for (_customer, ids), case in zip(contacts, "ABC", strict=True):
        for i, contact in enumerate(ids):
            kind = ("unsubscribe", "spamreport")[i % 2] if case == "A" else "bounce"
            events.append((f"{case}{i}", kind, at, contact))
        if case == "B":
            events.append(("B-delivered", "delivered", at + pd.Timedelta(days=1), ids[0]))
    store.ensure(con)
    con.executemany(
        "insert into journeys.sendgrid_events (sg_event_id, event, occurred_at, contact_id) values (?, ?, ?, ?)", events
    )
    return {customer: case for (customer, _), case in zip(contacts, "ABC", strict=False)} | {
        con.execute("select customer_id from journeys.portal_events").fetchall()[0][0]: "D"
    }


def portal_unsubscribe(con: duckdb.DuckDBPyConnection, customer_id: str) -> None:
    from portal import events

    con.execute("create schema if not exists journeys")
    con.execute(events.TABLE_DDL)
    con.execute(
        "insert into journeys.portal_events values ('P1', ?, 'unsubscribe', null, '{}', ?, 'p1.json')",
        [customer_id, pd.Timestamp(DAY) - pd.Timedelta(days=2)],
    )


def model_scores(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """What the scoring stage would have written (ml.invoice_scores' shape) for twenty invoices,
    today and, to be ignored, yesterday."""
    ids = [
        r[0]
        for r in con.execute(
            f"select invoice_id from raw.invoices where _partition = DATE '{DAY}' order by invoice_id desc limit 20"
        ).fetchall()
    ]
    scores = {invoice: round(0.01 * i, 2) for i, invoice in enumerate(ids)}
    con.execute("""create schema ml; create table ml.invoice_scores (as_of_date DATE, invoice_id VARCHAR,
        customer_id VARCHAR, currency_code VARCHAR, due_date DATE, open_amount DECIMAL(18,2), p10_days_late DOUBLE,
        p50_days_late DOUBLE, p90_days_late DOUBLE, p_late_30 DOUBLE, p_self_cure DOUBLE, model_version VARCHAR)""")
    for as_of, p_late in ((DAY, scores), (date(2026, 3, 30), dict.fromkeys(ids, 0.99))):
        con.register("p_late", pd.DataFrame({"invoice_id": list(p_late), "p_late_30": list(p_late.values())}))
        con.execute(f"""insert into ml.invoice_scores select DATE '{as_of}', invoice_id, customer_id, currency,
                        due_date, amount, 0, 3.0, 9, p_late_30, 0.1, 'test'
                        from raw.invoices join p_late using (invoice_id) where _partition = DATE '{DAY}'""")
        con.unregister("p_late")
    return scores


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """One simulated day loaded, SendGrid events landed and invoices scored, then `dbt build`."""

    from erp.contract import load_order
    from erp.ingest import load_table
    from erp.simulator import SimulationConfig, World

    root = tmp_path_factory.mktemp("book")
    world = World.create(root / "world", SimulationConfig(end=DAY, customers=80, months=6, seed=3))
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for table in load_order():
            load_table(con, world.emit(DAY), table, DAY.isoformat())
        cases, scores = sendgrid_events(con), model_scores(con)
    result = dbt_invoke(warehouse, root, DAY, "build")
    assert result.success, result.exception
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    return {"warehouse": warehouse, "cases": cases, "scores": scores, "manifest": manifest, "outbox": root / "outbox"}


def test_the_360_and_the_planner_agree_on_who_can_be_emailed(day):
    with duckdb.connect(str(day["warehouse"])) as con:
        today = book.load(con)
        dim = con.execute("select customer_id, is_email_contactable from marts.dim_customer_360").df()
    planner = set(policy.reachable_contact(today.contacts).index)  # what plan_day addresses e-mails to
    contactable = dict(zip(dim.customer_id, dim.is_email_contactable, strict=False))
    disagree = [c for c, flag in contactable.items() if flag != (c in planner)]
    assert not disagree, f"the 360 and the planner disagree on {disagree}"
    assert set(planner) <= set(contactable)
    cases = {case: customer for customer, case in day["cases"].items()}
    assert [contactable[cases[c]] for c in "ABCD"] == [False, True, False, False]
    reasons = today.contacts.merge(pd.DataFrame({"customer_id": list(cases.values())}))
    assert not reasons.is_emailable.all() and reasons.is_emailable.any()


def test_no_email_goes_to_a_customer_the_360_calls_unreachable(day):
    with duckdb.connect(str(day["warehouse"])) as con:
        today = book.load(con)
        plan = plan_day(today, catalog.load_journeys(), catalog.load_policy("b2b"), catalog.load_experiments())
        unreachable = set(
            con.execute("select customer_id from marts.dim_customer_360 where not is_email_contactable")
            .df()
            .customer_id
        )
    emails = plan.contact_list[(plan.contact_list.action == "send") & (plan.contact_list.channel == "email")]
    assert len(emails) > 0 and not set(emails.customer_id) & unreachable
    stopped = set(plan.blocked[plan.blocked.rule == "no_reachable_contact"].customer_id)
    assert stopped <= unreachable


def test_the_book_keeps_only_the_touches_that_decide_and_plans_as_from_the_whole_history(day):
    """Touches older than the rules' look-back, of invoices settled since, are left out of the
    book; the plan is the one the whole contact history gives."""
    with duckdb.connect(str(day["warehouse"])) as con:
        today = book.load(con)
        whole = con.execute("""select message_id, customer_id, invoice_id, channel, sent_at, journey,
                                      journey_step as step, tone from marts.fct_contacts""").df()
    assert 0 < len(today.history) < len(whole)
    since = send_day_of(today.as_of) - pd.Timedelta(days=30)
    old_of_open = whole[whole.invoice_id.isin(today.invoices.invoice_id) & (whole.sent_at < since)]
    assert len(old_of_open) > 0 and set(old_of_open.message_id) <= set(today.history.message_id)
    args = catalog.load_journeys(), catalog.load_policy("b2b"), catalog.load_experiments()
    cut, full = plan_day(today, *args), plan_day(replace(today, history=whole), *args)
    assert len(cut.contact_list) > 0
    pd.testing.assert_frame_equal(cut.contact_list, full.contact_list, check_dtype=False)
    pd.testing.assert_frame_equal(cut.blocked, full.blocked, check_dtype=False)


def test_journeys_audit_and_delivery_read_marts_only(day):
    """Capture every statement the day's book, plan, audit and dry-run delivery send to the warehouse."""
    with duckdb.connect(str(day["warehouse"])) as con:
        recorder = Recorder(con)
        today = book.load(recorder)
        plan = plan_day(today, catalog.load_journeys(), catalog.load_policy("b2b"), catalog.load_experiments())
        store.save_plan(recorder, plan, today.as_of)
        assert set(audit.violations(recorder, today.as_of).values()) == {0}
        report = delivery.deliver(
            recorder,
            delivery.DryRunSender(day["outbox"]),
            catalog.load_branding(),
            today.as_of.date().isoformat(),
            now=not_before(send_day_of(today.as_of)),
        )
    assert report.sent > 0
    read = relations(recorder.statements)
    # information_schema: whether a table or column exists yet (the catalog, not the data)
    assert {schema for schema, _ in read} <= {"marts", "journeys", "information_schema"}, read
    assert {("marts", "mart_dunning_book"), ("marts", "dim_contacts")} <= read


def test_ml_reads_marts_only_and_its_queries_run_on_the_marts(day):
    from ml import data

    read = relations(data.QUERIES.values())
    assert {schema for schema, _ in read} == {"marts"}, read
    assert {("marts", "fct_disputes"), ("marts", "fct_promises_to_pay")} <= read
    with duckdb.connect(str(day["warehouse"])) as con:
        frames = {name: con.execute(sql).df() for name, sql in data.QUERIES.items()}
    assert list(frames["disputes"].columns) == ["invoice_id", "opened_on", "resolved_on"]
    assert list(frames["promises"].columns) == ["invoice_id", "promised_on", "promised_for"]
    assert len(frames["disputes"]) > 0 and len(frames["promises"]) > 0


def test_no_journeys_ml_or_audit_source_names_a_staging_relation():
    """The static half of the rule: no SQL string (or any text) in journeys/ or ml/ names staging."""
    sources = [path for folder in ("journeys", "ml") for path in (ROOT / folder).rglob("*.py")]
    staging = re.compile(r"\bstaging\.|\bstg_[a-z]")
    offenders = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in sources
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if staging.search(line)
    ]
    assert len(sources) > 10
    assert offenders == []


def test_the_book_is_every_open_invoice_with_the_columns_journeys_use(day):
    with duckdb.connect(str(day["warehouse"])) as con:
        invoices = book.open_invoices(con)
        open_ids = con.execute("select invoice_id from marts.fct_invoices where open_amount > 0 order by 1").df()
    assert list(invoices.columns) == [*catalog.INVOICE_COLUMNS, *book.CUSTOMER_COLUMNS]
    assert invoices.invoice_id.tolist() == open_ids.invoice_id.tolist()
    for column, dtype in catalog.INVOICE_COLUMNS.items():
        if dtype in ("float", "bool"):
            assert invoices[column].dtype == dtype, column
    for journey in catalog.load_journeys():  # every condition evaluates on the real book
        assert catalog.matches(invoices, journey.applies_when).dtype == bool
    scored = invoices[invoices.invoice_id.isin(list(day["scores"]))]
    assert len(scored) > 0 and scored.p_late_30.tolist() == [day["scores"][i] for i in scored.invoice_id]
    assert invoices[~invoices.invoice_id.isin(list(day["scores"]))].p_late_30.isna().all()


@pytest.mark.parametrize(
    "model, tag", [("mart_dunning_book", "after_scoring"), ("int_contacts_suppression", None), ("dim_contacts", None)]
)
def test_book_and_suppression_models_have_enforced_contracts_and_tests(day, model, tag):
    node = day["manifest"]["nodes"][f"model.relance.{model}"]
    assert node["config"]["contract"]["enforced"] is True
    assert all(column.get("data_type") for column in node["columns"].values()) and len(node["columns"]) >= 7
    tests = [
        n
        for n in day["manifest"]["nodes"].values()
        if n["resource_type"] == "test" and f"model.relance.{model}" in n["depends_on"]["nodes"]
    ]
    assert len(tests) >= 4
    assert (tag in node["tags"]) if tag else not {"after_scoring", "after_journeys"} & set(node["tags"])
    if model == "int_contacts_suppression":
        assert any(u["model"] == model for u in day["manifest"]["unit_tests"].values())
