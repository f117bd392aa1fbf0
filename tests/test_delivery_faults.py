"""Delivery when answers are lost or SendGrid keeps failing, through the real client against the
local SendGrid server: a request that may have been accepted is never sent again blindly but
settled from the Event Webhook's processed event, or resent once the wait passed without one;
retries stay within a time budget; Retry-After is parsed safely and bounded; what is left over
shows in the check's data; and the API key never reaches a log, even at DEBUG."""

from __future__ import annotations

import json
import logging
import subprocess
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import duckdb
import pandas as pd
import pytest

from journeys import delivery, events, outcomes
from journeys.sendgrid_client import MAX_RETRY_AFTER, RetryBudget, SendGridSender
from tests import test_journeys_delivery as base
from tests.test_journeys_delivery import AS_OF, BRAND, NOW, outbox, warehouse

server_factory = base.server_factory  # the local SendGrid server, as a fixture


class FakeTime:
    """A clock that only the sender's sleeps move, so budgets are checked without waiting."""

    def __init__(self):
        self.now, self.waits = 0.0, []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def sender(server, time: FakeTime | None = None, **kwargs) -> SendGridSender:
    time = time or FakeTime()
    return SendGridSender("SG.k", host=server.host, sleep=time.sleep, budget=RetryBudget(clock=time.clock), **kwargs)


def land_events(con, server, folder) -> None:
    """What SendGrid's Event Webhook posts for the messages it accepted, landed and ingested."""
    day = folder / "2026-03-03"
    day.mkdir(parents=True, exist_ok=True)
    (day / f"{len(list(day.iterdir())):06d}-events.json").write_bytes(server.events_body())
    events.ingest(con, folder)


def decisions(con, message_id: str) -> list[str]:
    return [
        d
        for (d,) in con.execute(
            "select decision from journeys.delivery_decisions where message_id = ? order by decided_at, decision",
            [message_id],
        ).fetchall()
    ]


def test_an_answer_lost_after_the_accept_is_settled_from_the_processed_event_not_resent(tmp_path, server_factory):
    server = server_factory(accept_then_hang_at=1)
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=2)
    report = delivery.deliver(con, sender(server, timeout=0.5), BRAND, "2026-03-02", now=NOW)

    assert server.accepted == ["rl-test-00", "rl-test-01"], "a timed-out request was sent again"
    assert (report.sent, report.in_doubt) == (1, 1)
    assert outbox(con).status.tolist() == ["in_doubt", "sent"]
    later = delivery.deliver(con, sender(server), BRAND, "2026-03-02", now=NOW + timedelta(minutes=10))
    assert len(server.sends) == 2 and later.in_doubt == 1, "resent before the webhook could answer"

    land_events(con, server, tmp_path / "events")
    settled = delivery.deliver(con, sender(server), BRAND, "2026-03-02", now=NOW + timedelta(minutes=10))
    assert (settled.reconciled, settled.sent, len(server.sends)) == (1, 0, 2)
    assert outbox(con).status.tolist() == ["sent", "sent"]
    assert decisions(con, "rl-test-00") == ["in_doubt", "reconciled_sent"]


def test_without_any_event_a_message_in_doubt_is_resent_only_after_the_wait(tmp_path, server_factory):
    server = server_factory(hang_at=1)  # the request never reached SendGrid's queue
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=1)
    assert delivery.deliver(con, sender(server, timeout=0.5), BRAND, "2026-03-02", now=NOW).in_doubt == 1
    wait = outcomes.RECONCILE_AFTER
    assert delivery.deliver(con, sender(server), BRAND, "2026-03-02", now=NOW + wait / 2).sent == 0
    assert len(server.sends) == 1

    assert delivery.deliver(con, sender(server), BRAND, "2026-03-02", now=NOW + wait).sent == 1
    assert server.accepted == ["rl-test-00"] and outbox(con).status.tolist() == ["sent"]
    assert decisions(con, "rl-test-00") == ["in_doubt", "resend_after_wait"]


def test_killed_between_the_accept_and_the_record_the_rerun_settles_instead_of_resending(tmp_path, server_factory):
    server = server_factory(accept_then_hang_at=3)
    as_of = pd.Timestamp(datetime.now(UTC).date())
    warehouse(
        tmp_path / "w.duckdb", as_of, pd.Timestamp.now(tz="UTC").tz_localize(None) + pd.Timedelta(hours=2), messages=5
    ).close()
    command, env = base.kill_delivery_while_hanging(tmp_path, server, as_of)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        land_events(con, server, tmp_path / "events")

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert sorted(server.accepted) == [f"rl-test-{i:02d}" for i in range(5)], "a message was sent twice or lost"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        assert outbox(con).status.tolist() == ["sent"] * 5


def test_a_server_failing_forever_costs_the_run_its_budget_then_defers(tmp_path, server_factory):
    server = server_factory(script=[500] * 100)
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=8)
    time = FakeTime()
    report = delivery.deliver(con, sender(server, time), BRAND, "2026-03-02", now=NOW)

    assert sum(time.waits) <= RetryBudget().total and max(time.waits) <= RetryBudget().per_call
    assert (report.sent, report.deferred) == (0, 8) and server.accepted == []
    assert outbox(con).status.tolist() == ["pending"] * 8
    left = outcomes.outstanding(con, "2026-03-02")
    assert sorted(left["deferred"]) == [f"rl-test-{i:02d}" for i in range(8)]
    assert all("deferred to the next run" in why for why in left["deferred"].values())


@pytest.mark.parametrize(
    "header, expected_wait",
    [
        ("inf", 1.0),
        ("nan", 1.0),
        ("-5", 1.0),
        ("soon", 1.0),
        ("1e400", 1.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
        ("3", 3.0),
    ],
)
def test_retry_after_is_parsed_safely(tmp_path, server_factory, header, expected_wait):
    server = server_factory(script=[(429, {"Retry-After": header})])
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=1)
    time = FakeTime()
    assert delivery.deliver(con, sender(server, time), BRAND, "2026-03-02", now=NOW).sent == 1
    assert time.waits == [expected_wait]


def test_an_http_date_retry_after_is_honoured_and_a_long_one_defers_to_the_next_run(tmp_path, server_factory):
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server = server_factory(script=[(429, {"Retry-After": soon}), (503, {"Retry-After": "86400"})])
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=2)
    time = FakeTime()
    report = delivery.deliver(con, sender(server, time), BRAND, "2026-03-02", now=NOW)

    assert len(time.waits) == 1 and 20 < time.waits[0] <= 30 <= MAX_RETRY_AFTER
    assert (report.sent, report.deferred) == (1, 1) and server.accepted == ["rl-test-01"]
    assert "86400" in outcomes.outstanding(con, "2026-03-02")["deferred"]["rl-test-00"]


def test_the_api_key_never_reaches_a_log_even_at_debug(tmp_path, server_factory, caplog):
    caplog.set_level(logging.DEBUG)
    server = server_factory(script=[500])
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=2)
    key = "SG.abcdefghijkl-0123.mnopqrstuvwxyz_456789"
    client = SendGridSender(key, host=server.host, sleep=lambda s: None)
    assert delivery.deliver(con, client, BRAND, "2026-03-02", now=NOW).sent == 2

    assert server.sends[0]["_auth"] == f"Bearer {key}"
    logged = caplog.text + json.dumps([str(r.args) for r in caplog.records])
    assert any(r.name.startswith("python_http_client") for r in caplog.records), "the client logged nothing"
    assert key not in logged and "abcdefghijkl" not in logged
    assert "jeanne.dupont@client.example" not in logged


def test_the_next_days_run_settles_what_a_run_left_in_doubt_or_deferred(tmp_path, server_factory):
    server = server_factory(script=[500] * 5, accept_then_hang_at=1)
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=2)
    time = FakeTime()
    first = delivery.deliver(con, sender(server, time, timeout=0.5), BRAND, "2026-03-02", now=NOW)
    assert (first.in_doubt, first.deferred) == (1, 1) and server.accepted == ["rl-test-00"]
    assert sorted(outcomes.outstanding(con, "2026-03-03")) == ["deferred", "failed", "in_doubt"]
    assert outcomes.outstanding(con, "2026-03-03")["in_doubt"].keys() == {"rl-test-00"}

    land_events(con, server, tmp_path / "events")
    next_day = delivery.deliver(con, sender(server), BRAND, "2026-03-03", now=NOW + timedelta(days=1))
    assert (next_day.reconciled, next_day.sent) == (1, 1)
    assert sorted(server.accepted) == ["rl-test-00", "rl-test-01"] and outbox(con).status.tolist() == ["sent"] * 2
    assert not any(outcomes.outstanding(con, "2026-03-03").values())
