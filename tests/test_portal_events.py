"""Portal events: landed atomically by the app, ingested exactly once, each validated on its own."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from portal import events

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def test_events_land_once_and_a_bad_file_is_set_aside_alone(con, tmp_path):
    promise = events.write(
        tmp_path, "C-1", "promise_to_pay", "F-1", {"promised_date": "2026-12-15", "amount": "12.5"}, NOW
    )
    events.write(tmp_path, "C-1", "unsubscribe", None, {}, NOW)
    day = tmp_path / "2026-11-30"
    assert not list(day.glob(".*.tmp"))  # the temp file was renamed into place
    bad = json.loads((day / f"{promise}.json").read_text()) | {"event_id": "b0e03bff-fc71-499d-9ccd-c19ab29f7d4a"}
    bad["payload"]["amount"] = "-3"
    (day / f"{bad['event_id']}.json").write_text(json.dumps(bad))
    (day / "not-json.json").write_text("{")

    report = events.ingest(con, tmp_path)
    assert (report.files, report.new, report.rejected) == (2, 2, 2)
    rows = con.execute("""select kind, invoice_id, payload->>'amount', payload->>'promised_date', occurred_at
                          from journeys.portal_events where customer_id = 'C-1' order by kind""").fetchall()
    assert rows == [
        ("promise_to_pay", "F-1", "12.50", "2026-12-15", dt.datetime(2026, 11, 30, 9, 0)),
        ("unsubscribe", None, None, None, dt.datetime(2026, 11, 30, 9, 0)),
    ]
    reasons = dict(con.execute("select source_file, reason from journeys.portal_event_rejects").fetchall())
    assert "positive" in reasons[f"{bad['event_id']}.json"] and reasons["not-json.json"].startswith("not JSON")
    assert (tmp_path / "rejected" / "2026-11-30" / "not-json.reason.txt").exists()

    shutil.copy(tmp_path / "ingested" / "2026-11-30" / f"{promise}.json", day)  # a crash before the move
    again = events.ingest(con, tmp_path)
    assert (again.files, again.new) == (1, 0)
    assert con.execute("select count(*) from journeys.portal_events").fetchall()[0][0] == 2


@pytest.mark.parametrize(
    ("kind", "invoice_id", "fields", "reason"),
    [
        ("promise_to_pay", None, {"promised_date": "2026-12-15", "amount": "1"}, "an invoice is required"),
        ("promise_to_pay", "F-1", {"promised_date": "15/12/2026", "amount": "1"}, "not a date"),
        ("promise_to_pay", "F-1", {"promised_date": "2026-12-15", "amount": "1.234"}, "two decimals"),
        ("dispute", "F-1", {"reason": "because", "comment": ""}, "unknown dispute reason"),
        ("billing_contact", None, {"name": "A", "email": "nobody", "phone": ""}, "not an e-mail"),
        ("payment_plan", None, {"installments": "99", "first_date": "2026-12-01", "note": ""}, "between 2 and 24"),
        ("unsubscribe", None, {"customer_id": "C-2"}, "unexpected fields"),
        ("refund_me", None, {}, "unknown kind"),
    ],
)
def test_each_kind_of_action_is_checked_before_it_lands(tmp_path, kind, invoice_id, fields, reason):
    with pytest.raises(events.InvalidEvent, match=reason):
        events.write(tmp_path, "C-1", kind, invoice_id, fields, NOW)
    assert not list(tmp_path.rglob("*.json"))
