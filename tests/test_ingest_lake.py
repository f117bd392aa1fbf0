"""The open raw layer: a loaded day is also Hive-partitioned Parquet holding exactly the accepted
rows (rejects stay out), re-loading the day rewrites it, and retention prunes it like raw.*."""

from __future__ import annotations

import shutil

import duckdb

from erp.ingest import load_day
from tests.conftest import INVOICES_CSV, write_csv


def lake_rows(lake, table: str) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(
            "select _partition::VARCHAR, * exclude (_partition, _loaded_at) "
            "from read_parquet(?, hive_partitioning = true) order by all",
            [str(lake / "raw" / table / "*" / "*.parquet")],
        ).fetchall()


def test_each_day_lands_as_a_partition_of_the_accepted_rows(con, valid_drop, tmp_path):
    lake = tmp_path / "lake"
    bad = INVOICES_CSV + "I3,C1,2025-02-01,2025-03-03,-5,EUR,\n"  # a negative amount is rejected
    write_csv(valid_drop, "invoices", bad)
    load_day(con, valid_drop, "2025-03-01", lake=lake)
    raw = con.execute(
        "select _partition::VARCHAR, * exclude (_partition, _loaded_at) from raw.invoices order by all"
    ).fetchall()
    assert lake_rows(lake, "invoices") == raw
    assert {row[1] for row in raw} == {"I1", "I2"}
    assert (lake / "raw" / "disputes" / "_partition=2025-03-01").is_dir()  # an absent file: an empty snapshot


def test_reloading_a_day_rewrites_its_partition_and_retention_prunes_old_days(con, valid_drop, tmp_path):
    lake = tmp_path / "lake"
    later = valid_drop.parent / "2025-03-02"
    shutil.copytree(valid_drop, later)
    load_day(con, valid_drop, "2025-03-01", lake=lake)
    load_day(con, later, "2025-03-02", lake=lake)
    load_day(con, later, "2025-03-02", lake=lake)  # the same day again: nothing doubles
    assert [row[0] for row in lake_rows(lake, "customers")] == ["2025-03-01"] * 2 + ["2025-03-02"] * 2
    load_day(con, later, "2025-03-02", retention_days=0, lake=lake)
    assert [p.name for p in (lake / "raw" / "customers").iterdir()] == ["_partition=2025-03-02"]
