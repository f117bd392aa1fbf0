"""The automatic replies on a simulated day built by dbt: the sender's contact resolved in
fct_inbound_messages, the day's triage as the mart fct_inbound_requests, replies only to the
customer's own e-mailable contacts, and fct_inbound_replies telling the worklist which requests
the machine handled."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import duckdb
import pandas as pd
import pytest

from journeys import catalog, replies
from tests.conftest import dbt_invoke

DAY = date(2026, 3, 31)


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """One simulated day loaded and built, the ERP's labels standing in for the triage's output."""
    from erp.contract import load_order
    from erp.ingest import load_table
    from erp.simulator import SimulationConfig, World

    root = tmp_path_factory.mktemp("replies")
    world = World.create(root / "world", SimulationConfig(end=DAY, customers=150, months=6, seed=5))
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for table in load_order():
            load_table(con, world.emit(DAY), table, DAY.isoformat())
    assert dbt_invoke(warehouse, root, DAY, "build", "--exclude", "tag:after_journeys").success
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists ml")
        con.execute(f"""create or replace table ml.inbound_triage as
            select DATE '{DAY}' as as_of_date, inbound_id, category, null::VARCHAR as secondary_category,
                   0.95 as confidence, 'fr' as language, false as language_mixed, null::TIMESTAMP as promise_date,
                   null::DOUBLE as promise_amount, 0.0 as sentiment, 50.0 as priority, 'test' as reason
            from marts.fct_inbound_messages where category is not null""")
    assert dbt_invoke(warehouse, root, DAY, "build", "--select", "fct_inbound_requests").success
    return {"warehouse": warehouse, "root": root}


def test_replies_go_only_to_the_customers_own_emailable_sender_and_the_worklist_sees_them(day):
    config = replace(replies.load_config(), max_age_days=400)  # the whole simulated history is "today's"
    with duckdb.connect(str(day["warehouse"])) as con:
        report = replies.plan(con, str(DAY), catalog.load_branding(), config)
        sent = con.execute("""
            select o.message_id, o.customer_id as to_customer, c.customer_id as contact_customer, c.is_emailable,
                   r.category, o.journey
            from journeys.outbox o join marts.dim_contacts c using (contact_id)
            join journeys.inbound_replies r on r.reply_message_id = o.message_id""").df()
        requests = con.execute("select category, count(*) n from marts.fct_inbound_requests group by 1").df()
    assert report.replied > 0 and report.to_person > 0
    assert len(sent) == report.replied and set(sent.journey) == {"reply"}
    assert (sent.to_customer == sent.contact_customer).all()
    assert sent.is_emailable.all() or set(sent[~sent.is_emailable].category) <= {"unsubscribe"}
    assert set(sent.category) <= set(config.categories)
    left = requests[~requests.category.isin(config.categories)].n.sum()
    assert report.to_person >= left > 0  # disputes, promises and the rest are people's

    assert dbt_invoke(
        day["warehouse"], day["root"], DAY, "build", "--select", "stg_journeys__inbound_replies fct_inbound_replies"
    ).success
    with duckdb.connect(str(day["warehouse"])) as con:  # dbt in process keeps its own connection's settings
        mart = con.execute("select status, handled_automatically, count(*) n from marts.fct_inbound_replies "
                           "group by 1, 2").df()  # fmt: skip
    counts = dict(zip(mart.status, mart.n, strict=True))
    assert counts.get("replied") == report.replied and counts.get("to_person") == report.to_person
    assert (mart.handled_automatically == (mart.status != "to_person")).all()
    assert pd.notna(mart.n).all()
