"""The cockpit's decisions store (what the next run reads) and its password file."""

from __future__ import annotations

import io
import stat
from datetime import date

import pytest

from cockpit import auth, decisions, model_health, users

DAY = date(2026, 6, 30)
PLANNED = ["m1", "m2", "m3", "m4"]


@pytest.fixture
def store(tmp_path):
    return tmp_path / "cockpit" / "decisions.sqlite"


def test_with_approval_mode_on_nothing_is_deliverable_until_approved_then_exactly_the_approved(store):
    decisions.set_approval_mode(True, "admin", path=store)
    assert decisions.approval_mode(store)
    assert decisions.deliverable_message_ids(DAY, PLANNED, store) == set()
    decisions.record(DAY, ["m1", "m3"], "approved", "alice", path=store)
    assert decisions.deliverable_message_ids(DAY, PLANNED, store) == {"m1", "m3"}
    assert decisions.approved_message_ids(DAY, store) == {"m1", "m3"}


def test_with_approval_mode_off_everything_planned_but_held_is_deliverable(store):
    assert not decisions.approval_mode(store)  # off until someone switches it on
    decisions.record(DAY, ["m2"], "held", "alice", path=store)
    assert decisions.deliverable_message_ids(DAY, PLANNED, store) == {"m1", "m3", "m4"}
    assert decisions.held_message_ids(DAY, store) == {"m2"}


def test_the_latest_decision_on_a_message_wins_and_records_who_and_when(store):
    decisions.set_approval_mode(True, "admin", path=store)
    decisions.record(DAY, PLANNED, "approved", "alice", path=store)
    decisions.record(DAY, ["m2"], "held", "bob", note="customer called", path=store)
    decisions.record(DAY, ["m4"], "held", "bob", path=store)
    decisions.record(DAY, ["m4"], "approved", "carol", path=store)
    assert decisions.held_message_ids(DAY, store) == {"m2"}
    assert decisions.approved_message_ids(DAY, store) == {"m1", "m3", "m4"}
    assert decisions.deliverable_message_ids(DAY, PLANNED, store) == {"m1", "m3", "m4"}
    latest = {row["message_id"]: row for row in decisions.current_decisions(DAY, store)}
    assert (latest["m2"]["decided_by"], latest["m2"]["note"]) == ("bob", "customer called")
    assert latest["m4"]["decided_by"] == "carol"
    assert latest["m4"]["decided_at"].endswith("+00:00")  # UTC, ISO 8601


def test_decisions_belong_to_their_plan_day_and_only_planned_ids_are_deliverable(store):
    decisions.set_approval_mode(True, "admin", path=store)
    decisions.record("2026-06-29", ["m1"], "approved", "alice", path=store)
    decisions.record(DAY, ["m9"], "approved", "alice", path=store)
    assert decisions.approved_message_ids(DAY, store) == {"m9"}
    assert decisions.deliverable_message_ids(DAY, PLANNED, store) == set()


def test_approval_mode_keeps_its_history_and_the_last_switch_counts(store):
    decisions.set_approval_mode(True, "alice", path=store)
    decisions.set_approval_mode(False, "bob", path=store)
    assert not decisions.approval_mode(store)


@pytest.mark.parametrize("decision, user", [("sent", "alice"), ("approved", "")])
def test_a_decision_needs_a_known_kind_and_a_person(store, decision, user):
    with pytest.raises(ValueError):
        decisions.record(DAY, ["m1"], decision, user, path=store)


def test_worklist_actions_keep_the_latest_per_row_with_its_details(store):
    decisions.record_worklist_action(DAY, "call-1", "snooze", "alice", snooze_until=date(2026, 7, 3), path=store)
    decisions.record_worklist_action(DAY, "call-1", "reassign", "alice", assignee="bob", path=store)
    decisions.record_worklist_action(DAY, "task-1", "done", "bob", note="called back", path=store)
    actions = decisions.worklist_actions(DAY, store)
    assert (actions["call-1"]["action"], actions["call-1"]["assignee"]) == ("reassign", "bob")
    assert (actions["task-1"]["action"], actions["task-1"]["note"]) == ("done", "called back")
    assert decisions.worklist_actions("2026-07-01", store) == {}


@pytest.mark.parametrize("action, extra", [("snooze", {}), ("reassign", {}), ("call", {})])
def test_a_worklist_action_without_its_detail_is_refused(store, action, extra):
    with pytest.raises(ValueError):
        decisions.record_worklist_action(DAY, "call-1", action, "alice", path=store, **extra)


def test_the_password_file_holds_scrypt_hashes_only_readable_by_its_owner(tmp_path):
    path = tmp_path / "users"
    auth.add_user(path, "alice", "correct-horse-battery")
    text = path.read_text()
    assert "correct-horse-battery" not in text and "alice:scrypt$16384$8$1$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert auth.authenticate(path, "alice", "correct-horse-battery")
    assert not auth.authenticate(path, "alice", "correct-horse-batterY")
    assert not auth.authenticate(path, "mallory", "correct-horse-battery")


def test_the_same_password_hashes_differently_per_person():
    assert auth.hash_password("same-password") != auth.hash_password("same-password")
    assert not auth.check_password("x", "bcrypt$garbage")


@pytest.mark.parametrize("name, password", [("alice smith", "long-enough-1"), ("alice", "short")])
def test_bad_names_and_short_passwords_are_refused(tmp_path, name, password):
    with pytest.raises(ValueError):
        auth.add_user(tmp_path / "users", name, password)


def test_the_users_cli_adds_lists_and_removes(tmp_path, monkeypatch, capsys):
    path = tmp_path / "users"
    monkeypatch.setattr("sys.stdin", io.StringIO("correct-horse-battery\n"))
    assert users.main(["add", "alice", "--password-stdin", "--file", str(path)]) == 0
    assert auth.authenticate(path, "alice", "correct-horse-battery")
    users.main(["list", "--file", str(path)])
    assert capsys.readouterr().out.splitlines()[-1] == "alice"
    users.main(["remove", "alice", "--file", str(path)])
    assert auth.read_users(path) == {}


def test_model_health_pairs_each_metric_with_its_baselines():
    rows = model_health.compare(
        {
            "mae": 4.0,
            "baseline_customer_history_mae": 5.0,
            "baseline_terms_mae": 3.5,
            "auc": 0.7,
            "baseline_prior_auc": 0.75,
            "band_adjustment": 1.1,
        }
    )
    found = {(r["metric"], r["baseline"]): r["beats_baseline"] for r in rows}
    assert found == {("mae", "customer_history"): True, ("mae", "terms"): False, ("auc", "prior"): False}
