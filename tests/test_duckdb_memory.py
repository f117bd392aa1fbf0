"""How much memory DuckDB may take before it spills to disk: RELANCE_DUCKDB_MEMORY_LIMIT, the same
for the pipeline's warehouse connections and for dbt (DuckDB's own default, 80 % of RAM, let a
100,000-customer ingestion take 8.5 GB)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from orchestration import settings
from orchestration.resources import WarehouseResource

PROFILES = Path(__file__).resolve().parents[1] / "dbt_project" / "profiles.yml"


def duckdb_renders(limit: str) -> str:
    with duckdb.connect() as con:
        con.execute(f"set memory_limit = '{limit}'")
        return con.execute("select current_setting('memory_limit')").fetchone()[0]


@pytest.mark.parametrize("limit", [None, "512MB"])
def test_the_warehouse_connection_holds_the_configured_limit(limit, monkeypatch, tmp_path):
    if limit:
        monkeypatch.setenv("RELANCE_DUCKDB_MEMORY_LIMIT", limit)
    else:
        monkeypatch.delenv("RELANCE_DUCKDB_MEMORY_LIMIT", raising=False)
    with WarehouseResource(path=str(tmp_path / "w.duckdb")).connect() as con:
        held = con.execute("select current_setting('memory_limit')").fetchone()[0]
    assert held == duckdb_renders(limit or settings.DUCKDB_MEMORY_LIMIT)
    assert held != duckdb_renders("80%")  # not DuckDB's own default


def test_a_limit_that_is_not_a_size_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("RELANCE_DUCKDB_MEMORY_LIMIT", "3GB'; attach 'x")
    with pytest.raises(ValueError, match="RELANCE_DUCKDB_MEMORY_LIMIT"):
        settings.duckdb_memory_limit()


def test_dbt_by_hand_has_the_pipelines_default():
    default = re.search(r"env_var\('RELANCE_DUCKDB_MEMORY_LIMIT', '([^']+)'\)", PROFILES.read_text())
    assert default and default.group(1) == settings.DUCKDB_MEMORY_LIMIT
