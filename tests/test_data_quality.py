"""The plausibility checks fail on real drops that ingestion accepts: every test writes a drop,
loads it with erp.ingest and validates it with Great Expectations, nothing faked."""

from __future__ import annotations

import pytest

from data_quality import frames, validate_table
from data_quality.suites import ERROR, WARN, suite_for, thresholds
from erp.contract import TABLES
from erp.ingest import load_table
from tests.conftest import CUSTOMERS_CSV, INVOICES_CSV, PAYMENTS_CSV, write_csv

DAY1, DAY2 = "2025-03-01", "2025-03-02"
INVOICE_HEADER = INVOICES_CSV.splitlines()[0]


def drop(tmp_path, day: str, invoices: str = INVOICES_CSV, payments: str = PAYMENTS_CSV, **optional):
    folder = tmp_path / "drops" / day
    write_csv(folder, "customers", CUSTOMERS_CSV)
    write_csv(folder, "invoices", invoices)
    write_csv(folder, "payments", payments)
    for table, text in optional.items():
        write_csv(folder, table, text)
    return folder


def load(con, folder, day: str):
    return {t: load_table(con, folder, t, day) for t in ("customers", "invoices", "payments", "disputes")}


def invoices_csv(rows: list[tuple[str, str, str, str, str]]) -> str:
    """Invoice rows (id, customer, issued, due, amount) in the customer's currency (C2: USD)."""
    currency = {"C2": "USD"}
    lines = [f"{i},{c},{iss},{due},{amt},{currency.get(c, 'EUR')}," for i, c, iss, due, amt in rows]
    return "\n".join([INVOICE_HEADER, *lines]) + "\n"


def many_invoices(n: int, first: int = 1) -> list[tuple]:
    return [(f"I{k}", "C1", "2025-01-10", "2025-02-09", "100.00") for k in range(first, first + n)]


def test_a_clean_drop_passes_every_check(con, tmp_path):
    load(con, drop(tmp_path, DAY1), DAY1)
    for table in ("customers", "invoices", "payments", "disputes"):
        result = validate_table(con, table, DAY1)
        assert result.failed == {}, table
        assert result.evaluated == len(suite_for(TABLES[table], DAY1)) > 0


@pytest.mark.parametrize(
    ("issued", "due", "failing"),
    [
        ("1890-05-01", "1890-05-31", {"dates(issue_date)": 1, "dates(due_date)": 1}),
        ("2025-02-10", "2099-03-12", {"dates(due_date)": 1}),
        ("2025-03-02", "2025-04-01", {"dates(issue_date)": 1}),  # issued after its extraction
        ("0001-01-01", "9999-12-31", {"dates(issue_date)": 1, "dates(due_date)": 1}),  # beyond datetime64[ns]
    ],
)
def test_implausible_dates_that_ingestion_accepts_fail_a_blocking_check(con, tmp_path, issued, due, failing):
    invoices = INVOICES_CSV.replace("I2,C2,2025-02-01,2025-03-18", f"I2,C2,{issued},{due}")
    reports = load(con, drop(tmp_path, DAY1, invoices), DAY1)
    assert reports["invoices"].rows_rejected == 0  # valid dates, due after issue: the contract is met
    result = validate_table(con, "invoices", DAY1)
    assert result.errors == failing and result.warnings == {}


def test_a_due_date_within_the_contracts_horizon_is_plausible(con, tmp_path):
    invoices = INVOICES_CSV.replace("2025-03-18", "2026-02-28")  # a year of terms: due_date.horizon_days
    load(con, drop(tmp_path, DAY1, invoices), DAY1)
    assert validate_table(con, "invoices", DAY1).failed == {}


def test_a_large_share_of_rejected_rows_blocks(con, tmp_path):
    orphan = ("I10", "C9", "2025-01-10", "2025-02-09", "5.00")
    rows = [*many_invoices(8), ("I9", "C1", "2025-01-10", "2025-02-09", "abc"), orphan]
    reports = load(con, drop(tmp_path, DAY1, invoices_csv(rows), payments=PAYMENTS_CSV.splitlines()[0] + "\n"), DAY1)
    assert (reports["invoices"].rows_loaded, reports["invoices"].rows_rejected) == (8, 2)
    result = validate_table(con, "invoices", DAY1)
    assert result.errors == {"rejected_share(rejected_share)": 1}
    assert result.load["rejected_share"] == pytest.approx(0.2)


def test_a_table_that_shrinks_overnight_blocks_and_an_absent_optional_file_does_not(con, tmp_path):
    disputes = "dispute_id,invoice_id,opened_at,resolved_at,reason,amount\nD1,I1,2025-01-20,,pricing,10.00\n"
    load(con, drop(tmp_path, DAY1, invoices_csv(many_invoices(10)), disputes=disputes), DAY1)
    load(con, drop(tmp_path, DAY2, invoices_csv(many_invoices(7))), DAY2)
    result = validate_table(con, "invoices", DAY2)
    assert result.errors == {"shrink(shrunk_share)": 1}
    assert result.load["previous_partition"] == DAY1 and result.load["shrunk_share"] == pytest.approx(0.3)
    assert validate_table(con, "disputes", DAY2).failed == {}  # the ERP did not export disputes that day


def test_a_table_shrinking_within_the_threshold_passes(con, tmp_path):
    load(con, drop(tmp_path, DAY1, invoices_csv(many_invoices(10))), DAY1)
    load(con, drop(tmp_path, DAY2, invoices_csv(many_invoices(9))), DAY2)
    assert validate_table(con, "invoices", DAY2).failed == {}


def test_an_empty_required_table_blocks(con, tmp_path):
    load(con, drop(tmp_path, DAY1, INVOICE_HEADER + "\n", payments=PAYMENTS_CSV.splitlines()[0] + "\n"), DAY1)
    assert validate_table(con, "invoices", DAY1).errors == {"non_empty(rows_loaded)": 1}


def test_a_new_amount_far_from_the_customers_usual_warns(con, tmp_path):
    load(con, drop(tmp_path, DAY1, invoices_csv(many_invoices(4))), DAY1)
    new = [
        ("I5", "C1", "2025-03-02", "2025-04-01", "9000.00"),
        ("I6", "C1", "2025-03-02", "2025-04-01", "150.00"),
        ("I7", "C2", "2025-03-02", "2025-04-01", "99000.00"),
    ]  # C2 has no usual yet: not judged
    load(con, drop(tmp_path, DAY2, invoices_csv(many_invoices(4) + new)), DAY2)
    result = validate_table(con, "invoices", DAY2)
    assert result.warnings == {"amounts(ratio_to_usual)": 1} and result.errors == {}
    assert result.failed_severity["amounts(ratio_to_usual)"] == WARN


def test_every_check_has_an_explicit_severity():
    config = thresholds()
    assert {section["severity"] for section in config.values()} <= {ERROR, WARN}
    assert config["dates"]["severity"] == ERROR and config["amounts"]["severity"] == WARN
    suite = suite_for(TABLES["invoices"], DAY1)
    assert {e.check: e.severity for e in suite} == {
        "dates": ERROR,
        "amounts": WARN,
        "rejected_share": ERROR,
        "shrink": ERROR,
        "non_empty": ERROR,
    }


def test_validation_reads_large_tables_in_chunks(con, tmp_path, monkeypatch):
    import data_quality.validate as validate_module

    rows = "".join(f"P{i},C1,I1,2025-02-03,1.00,EUR,wire\n" for i in range(5999))
    load(con, drop(tmp_path, DAY1, payments=PAYMENTS_CSV.splitlines()[0] + "\n" + rows), DAY1)
    monkeypatch.setattr(frames, "CHUNK_ROWS", 2048)
    seen = []
    real_run = validate_module._run
    monkeypatch.setattr(validate_module, "_run", lambda df, exps, res: (seen.append(len(df)), real_run(df, exps, res)))
    result = validate_table(con, "payments", DAY1)
    assert result.rows == 5999 and result.failed == {}
    assert seen == [2048, 2048, 1903, 1]  # the date columns chunk by chunk, then the one row of load metrics
