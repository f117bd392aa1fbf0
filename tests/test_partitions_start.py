"""The daily partitions start where the data does — the first drop folder, the simulated
history's start, an adapter's export date (the IBM sample's 2014) — or where
RELANCE_HISTORY_START says; a source with nothing yet falls back to the retention window, and
the definitions load whatever state the source is in."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pandas as pd
import pytest

from erp.sources import yesterday_utc
from orchestration.partitions import partitions_start
from tests.conftest import IBM_AR_CSV, ROOT


@pytest.fixture
def env(relance_home, monkeypatch):
    monkeypatch.delenv("RELANCE_HISTORY_START", raising=False)
    monkeypatch.setenv("RELANCE_RETENTION_DAYS", "35")
    return monkeypatch


def test_a_drop_root_starts_at_its_first_real_date_folder(tmp_path, env):
    for name in ("2025-03-02", "2025-03-01", "2025-02-30", "notes"):
        (tmp_path / "drops" / name).mkdir(parents=True)
    env.setenv("RELANCE_ERP_DROP", str(tmp_path / "drops"))
    assert partitions_start() == "2025-03-01"
    env.setenv("RELANCE_HISTORY_START", "2024-12-31")  # the configured start wins
    assert partitions_start() == "2024-12-31"


def test_an_empty_drop_root_or_a_missing_export_falls_back_to_the_retention_window(tmp_path, env):
    fallback = (yesterday_utc() - timedelta(days=35)).isoformat()
    (tmp_path / "empty").mkdir()
    env.setenv("RELANCE_ERP_DROP", str(tmp_path / "empty"))
    assert partitions_start() == fallback
    env.setenv("RELANCE_ERP_ADAPTER", f"ibm_ar:{tmp_path / 'no-such-export.csv'}")
    assert partitions_start() == fallback


def test_the_simulator_starts_at_its_configured_history(env):
    env.setenv("RELANCE_SIM_MONTHS", "6")  # no world yet: the one the first run creates
    assert partitions_start() == (pd.Timestamp(yesterday_utc()) - pd.DateOffset(months=6)).date().isoformat()


@pytest.mark.skipif(not IBM_AR_CSV.exists(), reason=f"IBM AR sample not found at {IBM_AR_CSV} (needs ../shared)")
def test_the_ibm_adapter_starts_at_its_exports_date_in_2014(env):
    env.setenv("RELANCE_ERP_ADAPTER", f"ibm_ar:{IBM_AR_CSV}")
    assert partitions_start() == "2014-01-09"  # converted once: the first run finds its drop ready


def test_the_definitions_dagster_loads_start_at_the_first_drop(tmp_path, env):
    (tmp_path / "drops" / "2025-03-01").mkdir(parents=True)
    environment = os.environ | {"RELANCE_ERP_DROP": str(tmp_path / "drops")}
    code = (
        "from orchestration.definitions import defs; "
        "print(defs.resolve_job_def('daily_job').partitions_def.get_first_partition_key())"
    )
    out = subprocess.run([sys.executable, "-c", code], env=environment, cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "2025-03-01"
