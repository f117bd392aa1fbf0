"""A backfill of a past day (a UI backfill or `make backfill`) recomputes history and contacts no
one: no plan, no e-mail, no letter, no worklist, no rewinding of the latest-state tables BI tools
and the journeys read."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest

from tests.conftest import pipeline_home

LATEST_STATE = ("marts.dim_customer_360", "marts.fct_invoices", "marts.fct_payments", "marts.mart_dunning_book")


def snapshot(home) -> dict:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        state = {
            table: con.execute(f"select count(*), max(as_of_date)::VARCHAR from {table}").fetchall()[0]
            for table in LATEST_STATE
        }
        state["outbox"] = sorted(r[0] for r in con.execute("select message_id from journeys.outbox").fetchall())
        state["planned_days"] = [
            r[0]
            for r in con.execute("select distinct as_of_date::VARCHAR from journeys.contact_list order by 1").fetchall()
        ]
        state["kpi_days"] = [
            r[0]
            for r in con.execute(
                "select distinct as_of_date::VARCHAR from marts.mart_collections_kpis_daily order by 1"
            ).fetchall()
        ]
    state["eml"] = sorted(p.name for p in (home / "outbox").rglob("*.eml"))
    state["letters"] = sorted(str(p.relative_to(home)) for p in (home / "letters").rglob("*.pdf"))
    state["worklists"] = sorted(str(p.relative_to(home)) for p in (home / "exports" / "worklist").rglob("*.csv"))
    return state


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    with pipeline_home(tmp_path_factory, "backfill", customers=150, months=6) as home:
        from orchestration import run
        from orchestration.resources import ErpSourceResource

        source = ErpSourceResource().source()
        latest = source.latest_partition()
        assert run.run_partition(latest, source.kind)
        yield home, latest


def test_a_backfill_of_a_past_day_plans_and_sends_nothing_and_keeps_the_latest_tables(home):
    from orchestration import run

    home, latest = home
    before = snapshot(home)
    assert before["planned_days"] == [latest] and before["outbox"]
    past = (date.fromisoformat(latest) - timedelta(days=1)).isoformat()
    assert run.run_partition(past, "simulator")
    after = snapshot(home)
    unchanged = (*LATEST_STATE, "outbox", "planned_days", "eml", "letters", "worklists")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert all(after[table][1] == latest for table in LATEST_STATE)  # never rewound to the past day
    assert after["kpi_days"] == sorted({past, *before["kpi_days"]})  # history recomputed
    assert (home / "exports" / "mart_collections_kpis_daily" / f"as_of_date={past}" / "data.parquet").exists()
