"""The kill soak in small (benchmarks/kill_soak.py runs it over many days): a day's run SIGKILLed
right after an asset is materialized, then re-run, leaves the warehouse, the outbox and the
simulated ERP's contact history exactly as a clean run of that day does."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import dagster as dg
import duckdb
import pytest

from benchmarks import kill_soak
from benchmarks.kill_compare import compare_homes

DAY = "2026-04-01"


@pytest.fixture(scope="module")
def homes(tmp_path_factory):
    """A clean run of the day and, alongside it, one killed right after the day's e-mails were
    delivered (the plan and the outbox committed, the marts that read them not yet built), then
    re-run; both on copies of one small world."""
    root = tmp_path_factory.mktemp("kill-soak")
    kill_soak.make_world(root / "origin", customers=60, months=6, seed=7, days=2)
    for copy in ("clean", "soak"):
        shutil.copytree(root / "origin", root / copy)
    with ThreadPoolExecutor(2) as pool:
        clean = pool.submit(kill_soak.day_in_child, root / "clean", DAY)
        killed = pool.submit(kill_soak.day_in_child, root / "soak", DAY, "journeys/outbox")
        outcome = {"clean": clean.result(), "killed": killed.result()}
    outcome["rerun"] = kill_soak.day_in_child(root / "soak", DAY)
    return root, outcome


def test_a_killed_day_rerun_equals_a_clean_run(homes):
    root, outcome = homes
    assert outcome["killed"] is None, "the run was not killed"
    assert ["journeys__outbox", "journeys/outbox"] in outcome["clean"]["materialized"]
    with duckdb.connect(str(root / "clean" / "warehouse.duckdb"), read_only=True) as con:
        emails = con.execute("select count(*) from journeys.outbox where status = 'dry_run'").fetchone()[0]
    assert emails > 0, "the day sends nothing: the comparison would not cover the outbox"
    assert emails == len(list((root / "soak" / "outbox").rglob("*.eml")))
    differences = compare_homes(root / "clean", root / "soak")
    assert not any(differences.values()), differences
    with dg.DagsterInstance.from_config(str(root / "soak" / "dagster")) as instance:
        statuses = sorted(r.status.value for r in instance.get_runs())
    assert statuses == ["FAILURE", "SUCCESS"]  # the killed run was marked failed by the re-run


def test_the_comparison_sees_one_changed_row(homes, tmp_path):
    """The equality above is not vacuous: one touched value in a copy is a difference."""
    root, _ = homes
    shutil.copytree(root / "soak", tmp_path / "soak")
    with duckdb.connect(str(tmp_path / "soak" / "warehouse.duckdb")) as con:
        con.execute(
            "update journeys.outbox set send_at = send_at + interval 1 minute "
            "where message_id = (select min(message_id) from journeys.outbox)"
        )
    differences = compare_homes(root / "clean", tmp_path / "soak")
    assert differences["warehouse journeys.outbox"] == 2  # the row as it was, and as it is


def test_a_soak_stopped_between_days_resumes_from_the_next_day(tmp_path, monkeypatch):
    """The long soak spans sessions: a second call carries on after the days the first recorded,
    with the kills and draws of both counted (the day's runs are replaced by a recorder here; the
    test above runs them for real)."""
    runs: list[tuple[str, str, str | None]] = []

    def run(home, day, kill_after=None):
        runs.append((home.name, day, kill_after))
        return None if kill_after else {"materialized": [["ingest", "raw/invoices"], ["dbt", "marts/fct_invoices"]]}

    monkeypatch.setattr(kill_soak, "day_in_child", run)
    first = kill_soak.soak_days(tmp_path, days=2, seed=3, deadline=float("inf"))
    assert first["days"] == 2 and sum(first["kills"].values()) == 2
    runs.clear()
    resumed = kill_soak.soak_days(tmp_path, days=3, seed=3, deadline=float("inf"))
    assert [day for _, day, _ in runs] == ["2026-04-03"] * 3  # clean, killed, re-run: day 3 only
    assert resumed["days"] == 3 and sum(resumed["kills"].values()) == 3
    assert kill_soak.soak_days(tmp_path, days=3, seed=3, deadline=float("inf"))["days"] == 3
