"""The closed loop's joint: what Relance sent reaches the simulated ERP, once, in the
contract's contact_history shape, and moves the customers who respond."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from erp.simulator import SimulationConfig, World
from journeys import store


def outbox_with(con, rows: list[dict]) -> None:
    store.ensure(con)
    frame = pd.DataFrame(rows)
    con.register("rows", frame)
    con.execute("insert into journeys.outbox by name select * from rows")
    con.unregister("rows")


def test_sent_reminders_reach_the_simulator_exactly_once(tmp_path):
    world = World.create(
        tmp_path / "world", SimulationConfig(end=date(2026, 3, 31), customers=80, months=6, seed=3, future_days=60)
    )
    with world._connect(read_only=True) as sim:
        overdue = sim.execute("""select i.invoice_id, i.customer_id, c.contact_id from invoices i
                                 join contacts c on c.customer_id = i.customer_id and c.is_primary
                                 where i.due_date < '2026-03-01'
                                   and (i.settled_on is null or i.settled_on > '2026-04-20')
                                 order by i.invoice_id limit 40""").df()
    assert len(overdue) >= 10, "the world needs overdue invoices for this test"
    send_day = pd.Timestamp("2026-04-01")
    rows = [
        {
            "message_id": f"rl-{i}",
            "as_of_date": send_day - pd.Timedelta(days=1),
            "send_day": send_day,
            "customer_id": r.customer_id,
            "contact_id": r.contact_id,
            "channel": "email",
            "journey": "at_risk",
            "step": "first_reminder",
            "tone": "firm",
            "incentive": "payment_plan",
            "variant": "control",
            "invoice_ids": [r.invoice_id],
            "send_at": send_day + pd.Timedelta(hours=9),
            "status": "dry_run",
        }
        for i, r in enumerate(overdue.itertuples())
    ]
    rows.append(rows[0] | {"message_id": "rl-not-sent", "status": "failed"})
    rows.append(rows[0] | {"message_id": "rl-task", "channel": "task", "status": "assigned"})
    rows.append(rows[0] | {"message_id": "rl-tomorrow", "send_day": send_day + pd.Timedelta(days=1)})
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        outbox_with(con, rows)
        sends = store.delivered_sends(con, "2026-04-01")
    assert sorted(sends.message_id) == sorted(f"rl-{i}" for i in range(len(overdue)))
    expected = {r["message_id"]: r["invoice_ids"][0] for r in rows[: len(overdue)]}
    assert dict(zip(sends.message_id, sends.invoice_id, strict=False)) == expected

    drop = world.advance(date(2026, 4, 1), sends)
    world.advance(date(2026, 4, 2), sends)  # the same sends again: already applied, ignored
    history = pd.read_csv(world.emit(date(2026, 4, 2)) / "contact_history.csv")
    ours = history[history.message_id.str.startswith("rl-")]
    assert sorted(ours.message_id) == sorted(sends.message_id)
    assert set(ours.journey) == {"at_risk"} and set(ours.variant) == {"control"}
    assert (drop / "contact_history.csv").exists()
    with world._connect(read_only=True) as sim:
        moved = sim.execute(
            "select count(*) from invoices where invoice_id in (select unnest(?)) and settled_on <= '2026-04-20'",
            [overdue.invoice_id.tolist()],
        ).fetchone()[0]
    assert moved > 0, "no customer responded to 40 firm reminders with a payment plan"


def test_the_closed_loop_runs_the_daily_job_of_make_run(tmp_path, monkeypatch):
    """Two simulated days of the static schedule: each day is the daily job with every asset and
    check (scoring included), the schedule comes from its journeys file alone (one fixed hour),
    delivery runs on the simulated clock, and day 1's sends reach the world on day 2."""
    from benchmarks import closed_loop

    home = tmp_path / "static"
    World.create(
        home / "simulator", SimulationConfig(end=date(2026, 3, 31), customers=80, months=6, seed=5, future_days=30)
    )
    monkeypatch.setenv("RELANCE_HOME", str(home))
    for var in closed_loop.USER_SETTINGS:
        monkeypatch.delenv(var, raising=False)
    figures = closed_loop.run_policy(home, "static", date(2026, 4, 1), days=2)

    steps = set(figures["step_seconds"])
    assert {
        "erp_drop",
        "relance_dbt_models",
        "ml_scores",
        "contact_list",  # the planning step writes the list and the experiments' decisions
        "journeys__outbox",
        "marts_parquet",
        "raw__invoices_great_expectations",
    } <= steps
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        plans = con.execute(
            "select distinct journey, reason_now like '%default hour%' from journeys.contact_list where action = 'send'"
        ).fetchall()
        day_one = con.execute(
            "select message_id, delivered_at, send_at from journeys.outbox where channel = 'email' "
            "and as_of_date = '2026-04-01' and status = 'dry_run'"
        ).df()
    assert plans == [("static", True)]
    assert len(day_one) > 0 and (day_one.delivered_at == day_one.send_at).all()  # sent when due, not at the wall clock
    with World(home / "simulator")._connect(read_only=True) as sim:
        applied = {r[0] for r in sim.execute("select message_id from contact_history").fetchall()}
    assert set(day_one.message_id) <= applied
    assert figures["reminders"] >= len(day_one)
