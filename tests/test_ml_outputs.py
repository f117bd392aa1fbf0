"""Model outputs of any grain: invoice-grain models share ml.invoice_scores, others write a table
of their own keyed as their spec says, created (and widened) from the scores' own types."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from ml import scores, scoring
from ml.spec import INVOICE_SCORES, Output

SEND_TIMES = Output("contact_send_times", ("contact_id",))


@dataclass(frozen=True)
class Spec:
    name: str
    output: Output
    score_columns: dict


HOUR = Spec("send_hour", SEND_TIMES, {"hour": "best_hour_local"})
LIFT = Spec("send_lift", SEND_TIMES, {"lift": "expected_lift"})
DELAY = Spec("delay", INVOICE_SCORES, {"p50": "p50_days_late"})


def test_models_sharing_an_output_table_are_joined_on_its_key_and_invoice_models_stay_apart():
    scored = [
        scoring.Scored(HOUR, "1", pd.DataFrame({"contact_id": ["K1", "K2"], "best_hour_local": [9, 14]}), None),
        scoring.Scored(LIFT, "2", pd.DataFrame({"contact_id": ["K2"], "expected_lift": [0.03]}), None),
    ]
    tables = scoring.other_tables(scored, [DELAY, HOUR, LIFT])
    assert list(tables) == ["contact_send_times"]
    table = tables["contact_send_times"].set_index("contact_id")
    assert table.best_hour_local.to_dict() == {"K1": 9, "K2": 14}
    assert pd.isna(table.expected_lift["K1"]) and table.expected_lift["K2"] == 0.03


def test_an_output_table_without_a_champion_yet_is_empty_with_its_columns():
    tables = scoring.other_tables([], [HOUR])
    assert tables["contact_send_times"].empty
    assert list(tables["contact_send_times"].columns) == ["contact_id", "best_hour_local"]


def test_writing_creates_a_new_models_table_widens_it_and_replaces_only_the_days_slice():
    con = duckdb.connect()
    empty_invoices = pd.DataFrame(
        columns=["invoice_id", "customer_id", "open_amount", "p_late_30", "p50_days_late", "p_self_cure"]
    )
    day1 = pd.DataFrame({"contact_id": ["K1"], "best_hour_local": [9]})
    scores.write(con, "2026-03-01", empty_invoices, {"contact_send_times": day1})
    day2 = pd.DataFrame({"contact_id": ["K1", "K2"], "best_hour_local": [10, 15], "expected_lift": [0.1, 0.2]})
    written = scores.write(con, "2026-03-02", empty_invoices, {"contact_send_times": day2})
    scores.write(con, "2026-03-02", empty_invoices, {"contact_send_times": day2})  # a re-run replaces the day
    assert written["contact_send_times"] == 2
    rows = con.execute(
        "select as_of_date::VARCHAR, contact_id, best_hour_local, expected_lift "
        "from ml.contact_send_times order by 1, 2"
    ).fetchall()
    assert rows == [("2026-03-01", "K1", 9, None), ("2026-03-02", "K1", 10, 0.1), ("2026-03-02", "K2", 15, 0.2)]


def test_a_model_without_champion_before_one_with_a_champion_does_not_stop_the_write():
    """An empty frame for a table that does not exist yet, then a frame to write: the first
    table's existence check must not leave a pending result that makes the second fail."""
    con = duckdb.connect()
    empty_invoices = pd.DataFrame(
        columns=["invoice_id", "customer_id", "open_amount", "p_late_30", "p50_days_late", "p_self_cure"]
    )
    hours = pd.DataFrame({"contact_id": ["K1"], "best_hour_local": [9]})
    written = scores.write(
        con, "2026-03-01", empty_invoices, {"invoice_actions": pd.DataFrame(), "contact_send_times": hours}
    )
    assert written["contact_send_times"] == 1
    assert con.execute("select count(*) from ml.contact_send_times").fetchall() == [(1,)]
