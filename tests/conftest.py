"""Shared fixtures: a temporary RELANCE_HOME, small drops written by the tests, a small world."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
# The suite runs days of many sources (the IBM sample's 2014, hand-made drops, simulated worlds) in
# one process, where the definitions load once: their partitions start early enough for all.
os.environ.setdefault("RELANCE_HISTORY_START", "2010-01-01")

# pytest-xdist's workers run under `python -c`, whose __main__ has neither __spec__ nor __file__:
# pyspark.sql.connect (which Great Expectations imports whenever pyspark is installed) then takes
# the process for one of its doctest runs and calls sys.exit(0). Name the worker's main module.
if getattr(sys.modules["__main__"], "__spec__", None) is None and not hasattr(sys.modules["__main__"], "__file__"):
    sys.modules["__main__"].__file__ = "pytest-xdist-worker"

# CI (CI=true, set by .ci/run) replays the same examples on every run, so a property test fails
# or passes for the code, not for the draw; elsewhere Hypothesis explores new examples each time.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_sessionstart(session):
    """The dbt manifest the definitions load, fresh also when pytest runs without `make test`
    (a no-op unless a file of the dbt project changed since the last parse). Only the controller
    parses: pytest-xdist's workers start once it has, and would race each other for the target folder."""
    if hasattr(session.config, "workerinput"):
        return
    subprocess.run(["make", "--no-print-directory", "-s", "dbt-manifest"], cwd=ROOT, check=True)


def dbt_invoke(warehouse: Path, root: Path, day, *args: str, **dbt_vars):
    """Run one dbt command in process on ``warehouse`` as of ``day`` (artifacts and logs under
    ``root``), with any other ``dbt_vars``: how the tests build a simulated day's marts without
    Dagster. Returns dbt's result."""
    from dbt.cli.main import dbtRunner

    project = str(ROOT / "dbt_project")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELANCE_WAREHOUSE", str(warehouse))
        return dbtRunner().invoke(
            ["--quiet", *args, "--project-dir", project, "--profiles-dir", project, "--target-path",
             str(root / "target"), "--log-path", str(root / "logs"), "--vars",
             json.dumps({"as_of_date": str(day)[:10], **dbt_vars})]
        )  # fmt: skip


IBM_AR_CSV = SHARED / "datasets" / "ibm_ar" / "WA_Fn-UseC_-Accounts-Receivable.csv"
SMALL_WORLD_END = date(2026, 6, 30)


@pytest.fixture
def relance_home(tmp_path, monkeypatch) -> Path:
    """An isolated RELANCE_HOME with a small simulated world; no user setting leaks in."""
    home = tmp_path / "relance"
    monkeypatch.setenv("RELANCE_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    for var in ("RELANCE_ERP_DROP", "RELANCE_ERP_ADAPTER", "MLFLOW_TRACKING_URI", "SENDGRID_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("RELANCE_SIM_CUSTOMERS", "120")
    monkeypatch.setenv("RELANCE_SIM_MONTHS", "6")
    return home


@pytest.fixture
def con():
    connection = duckdb.connect()
    connection.execute("set TimeZone = 'UTC'")
    yield connection
    connection.close()


def write_csv(folder: Path, table: str, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.csv"
    path.write_bytes(text.encode(encoding))
    return path


CUSTOMERS_CSV = (
    "customer_id,name,country,currency,industry,credit_limit,payment_terms_days,account_owner,language,timezone,"
    "created_at\n"
    """C1,Acme SARL,FR,EUR,retail,5000.00,30,owner_1,fr,Europe/Paris,2020-01-01
C2,Globex Inc.,US,USD,,,45,,en,,2021-06-15
"""
)
INVOICES_CSV = """invoice_id,customer_id,issue_date,due_date,amount,currency,po_number
I1,C1,2025-01-01,2025-01-31,100.50,EUR,PO-1
I2,C2,2025-02-01,2025-03-18,2000,USD,
"""
PAYMENTS_CSV = """payment_id,customer_id,invoice_id,payment_date,amount,currency,method
P1,C1,I1,2025-02-03,100.50,EUR,wire
"""


@pytest.fixture
def valid_drop(tmp_path) -> Path:
    folder = tmp_path / "drops" / "2025-03-01"
    write_csv(folder, "customers", CUSTOMERS_CSV)
    write_csv(folder, "invoices", INVOICES_CSV)
    write_csv(folder, "payments", PAYMENTS_CSV)
    return folder


@pytest.fixture(scope="session")
def small_world(tmp_path_factory):
    """One small simulated world for the whole session (tests must not modify it)."""
    from erp.simulator import SimulationConfig, World

    root = tmp_path_factory.mktemp("world")
    return World.create(root, SimulationConfig(end=SMALL_WORLD_END, customers=600, months=18, seed=7))


@contextmanager
def pipeline_home(tmp_path_factory, name: str, customers: int, months: int):
    """A RELANCE_HOME of its own for a module's end-to-end runs, with a simulated world of the
    given size; the environment is restored afterwards."""
    home = tmp_path_factory.mktemp(name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RELANCE_HOME", str(home))
        mp.setenv("DAGSTER_HOME", str(home / "dagster"))
        mp.setenv("RELANCE_SIM_CUSTOMERS", str(customers))
        mp.setenv("RELANCE_SIM_MONTHS", str(months))
        for var in ("RELANCE_ERP_DROP", "RELANCE_ERP_ADAPTER", "MLFLOW_TRACKING_URI", "SENDGRID_API_KEY"):
            mp.delenv(var, raising=False)
        yield home
