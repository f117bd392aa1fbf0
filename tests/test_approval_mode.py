"""People decide before the machine acts: with the cockpit's approval mode on, a run delivers
nothing before a person approves and exactly the approved messages after; a held message never
goes, approval mode or not. Decisions live in the cockpit's own store, apart from the warehouse."""

from __future__ import annotations

import pandas as pd

from cockpit import decisions
from journeys import delivery
from tests.test_journeys_delivery import AS_OF, BRAND, NOW, outbox, warehouse

DAY = AS_OF.date().isoformat()


def deliver(con, tmp_path, store):
    return delivery.deliver(
        con,
        delivery.DryRunSender(tmp_path / "outbox"),
        BRAND,
        DAY,
        now=NOW,
        deliverable=lambda day, ids: decisions.deliverable_message_ids(day, ids, store),
    )


def test_approval_mode_delivers_nothing_before_approval_and_exactly_the_approved_after(tmp_path):
    store = tmp_path / "decisions.sqlite"
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=3)
    decisions.set_approval_mode(True, "alice", store)
    first = deliver(con, tmp_path, store)
    assert (first.sent, first.waiting) == (0, 3) and set(outbox(con).status) == {"pending"}
    decisions.record(DAY, ["rl-test-00", "rl-test-02"], "approved", "alice", path=store)
    second = deliver(con, tmp_path, store)
    assert (second.sent, second.waiting) == (2, 1)
    assert outbox(con).set_index("message_id").status.to_dict() == {
        "rl-test-00": "dry_run",
        "rl-test-01": "pending",
        "rl-test-02": "dry_run",
    }
    assert deliver(con, tmp_path, store).sent == 0  # approved ones went once; the other still waits


def test_a_held_message_is_never_sent_and_the_others_are(tmp_path):
    store = tmp_path / "decisions.sqlite"
    con = warehouse(tmp_path / "w.duckdb", AS_OF, pd.Timestamp("2026-03-03 09:07"), messages=3)
    decisions.record(DAY, ["rl-test-01"], "held", "bob", note="customer called", path=store)
    report = deliver(con, tmp_path, store)
    assert (report.sent, report.waiting) == (2, 1)
    assert outbox(con).set_index("message_id").status["rl-test-01"] == "pending"
    assert sorted(p.stem for p in (tmp_path / "outbox").rglob("*.eml")) == ["rl-test-00", "rl-test-02"]
