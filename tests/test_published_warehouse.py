"""Readers never block the writer: a reader in another process holding the published copy open
neither stops the next run's writes nor its publishing, and whoever opens the published copy
sees a whole copy — the old one or the new one, never a partial one."""

from __future__ import annotations

import json
import subprocess
import sys

import dagster as dg
import duckdb

from orchestration import published
from orchestration.published import publish, published_warehouse
from orchestration.resources import WarehouseResource

ROWS = 50_000

QUERY = "select max(version), count(*) from marts.state"
# A reader in another process holding one connection on the published copy for the whole test;
# it answers what that connection sees on each line it reads.
HOLDER = f"""
import json, sys, duckdb
held = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    print(json.dumps(held.execute({QUERY!r}).fetchone()), flush=True)
"""
# A reader opening the published path afresh, in a process of its own (a process holding a
# connection to a path gets that same database again when it connects to the path).
FRESH = f"""
import json, sys, duckdb
try:
    with duckdb.connect(sys.argv[1], read_only=True) as con:
        print(json.dumps(con.execute({QUERY!r}).fetchone()))
except Exception as error:
    print(json.dumps(repr(error)))
"""


def write_version(warehouse, version: int) -> None:
    """What a run does to the working warehouse: replace a mart (version k holds k × ROWS rows)."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            f"create or replace table marts.state as select {version} as version, i from range({version * ROWS}) t(i)"
        )


def test_a_reader_holding_the_published_copy_blocks_neither_writes_nor_publishing(tmp_path, monkeypatch):
    warehouse = tmp_path / "warehouse.duckdb"
    target = WarehouseResource(path=str(warehouse)).published
    write_version(warehouse, 1)
    with duckdb.connect(str(warehouse)) as con:
        publish(con, warehouse, target)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )

    def look() -> dict:
        fresh = subprocess.run([sys.executable, "-c", FRESH, str(target)], capture_output=True, text=True)
        holder.stdin.write("look\n")
        holder.stdin.flush()
        return {"fresh": json.loads(fresh.stdout), "held": json.loads(holder.stdout.readline())}

    looks = []

    def copy_looking_halfway(src, out, length=0):
        """The copy, with the reader looking at the published path when half of it is written."""
        out.write(src.read(warehouse.stat().st_size // 2))
        out.flush()
        looks.append(look())
        out.write(src.read())

    monkeypatch.setattr(published.shutil, "copyfileobj", copy_looking_halfway)
    try:
        assert look() == {"fresh": [1, ROWS], "held": [1, ROWS]}
        for version in (2, 3):
            write_version(warehouse, version)  # the working file is free: no reader holds it
            with duckdb.connect(str(warehouse)) as con:
                publish(con, warehouse, target)
        after = look()
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    # halfway through each copy, the path still opens on the whole previous copy
    assert looks == [{"fresh": [v - 1, (v - 1) * ROWS], "held": [1, ROWS]} for v in (2, 3)]
    assert after == {"fresh": [3, 3 * ROWS], "held": [1, ROWS]}  # the held connection keeps its copy
    assert [p.name for p in target.parent.iterdir()] == [target.name], "a temporary copy was left behind"


def test_the_daily_asset_publishes_while_a_reader_holds_the_previous_copy(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    resource = WarehouseResource(path=str(warehouse))
    write_version(warehouse, 1)
    run = {"partition_key": "2026-03-02", "resources": {"warehouse": resource}}
    assert dg.materialize([published_warehouse], **run).success
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(resource.published)!r}, read_only=True); "
         "print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "ready"
        write_version(warehouse, 2)
        assert dg.materialize([published_warehouse], **run).success
    finally:
        holder.communicate("", timeout=60)
    with duckdb.connect(str(resource.published), read_only=True) as con:
        assert con.execute("select max(version) from marts.state").fetchone() == (2,)
