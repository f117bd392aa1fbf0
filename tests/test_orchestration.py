"""Dagster wiring: definitions load, the asset graph is what we expect, a real in-process run of
simulator → ingestion → checks passes and is idempotent, sensors and schedules pick the right
partition."""

from __future__ import annotations

import ast
import json
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from erp.contract import TABLES
from tests.conftest import IBM_AR_CSV


@pytest.fixture
def defs():
    from orchestration.definitions import defs

    return defs


def raw_counts(home) -> dict[str, int]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in TABLES} | {
            "rejects": con.execute("select count(*) from raw.rejects").fetchone()[0]
        }


def test_definitions_load_and_graph_is_stable(defs):
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    stages = {"erp_drop": "erp_source", "marts_parquet": "marts"} | {f"raw/{t}": "ingestion" for t in TABLES}
    assert {k: groups[k] for k in stages} == stages
    assert all(groups[k] == k.split("/")[0] for k in groups if k.split("/")[0] in ("staging", "intermediate", "marts"))
    parents = {
        key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
        for key in graph.get_all_asset_keys()
    }
    assert parents["staging/stg_erp__invoices"] == ["raw/invoices"]  # dbt sources map onto the raw assets
    assert "marts/mart_collections_kpis_daily" in parents["history_parquet"]  # history slices, backfills too
    assert (
        "marts/dim_customer_360" in parents["marts_parquet"] and "marts/mart_ar_aging" not in parents["marts_parquet"]
    )
    assert parents["raw/customers"] == ["erp_drop"]
    assert parents["raw/payments"] == ["erp_drop", "raw/customers", "raw/invoices"]
    assert parents["raw/email_events"] == ["erp_drop", "raw/contact_history"]
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert {(f"raw/{t}", "great_expectations") for t in TABLES} <= checks
    assert ("raw/invoices", "fresh_extraction") in checks
    assert ("marts/fct_invoices", "unique_fct_invoices_invoice_id") in checks  # dbt tests as asset checks
    assert {"marts/mart_dunning_book", "marts/dim_contacts"} <= set(parents["journeys/contact_list"])  # marts only
    assert "ml/invoice_scores" in parents["marts/mart_dunning_book"]  # the book is built after scoring
    assert parents["staging/stg_journeys__sendgrid_events"] == ["journeys/sendgrid_events"]
    assert parents["journeys/outbox"] == ["journeys/contact_list", "journeys/inbound_replies"]
    assert "marts/fct_inbound_requests" in parents["journeys/inbound_replies"]  # after the day's triage
    assert ("journeys/contact_list", "no_send_breaks_a_rule") in checks
    assert {"warehouse", "erp_source", "mlflow", "sendgrid"} <= set(defs.resources)
    assert defs.resolve_job_def("daily_job") is not None


def journeys_state(home) -> tuple:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        plan = con.execute("select * from journeys.contact_list order by message_id").fetchall()
        outbox = con.execute("select message_id, status from journeys.outbox order by 1").fetchall()
    return plan, outbox


def test_make_run_materializes_everything_and_is_idempotent(relance_home, capsys):
    from orchestration import run

    assert run.main() == 0
    first, first_journeys = raw_counts(relance_home), journeys_state(relance_home)
    out = capsys.readouterr().out
    assert "Asset checks:" in out and "0 failed" in out and str(relance_home / "warehouse.duckdb") in out
    assert "Contact list for the day after" in out and len(first_journeys[0]) > 0
    assert run.main() == 0
    assert raw_counts(relance_home) == first
    assert journeys_state(relance_home) == first_journeys  # same plan, no message queued or sent twice
    assert list((relance_home / "exports" / "contact_list").glob("as_of_date=*/data.parquet"))
    with duckdb.connect(str(relance_home / "published" / "warehouse.duckdb"), read_only=True) as published:
        assert published.execute("select count(*) from marts.fct_invoices").fetchone()[0] > 1000
    assert first["invoices"] > 1000 and first["rejects"] == 0
    # every table the simulated ERP exports lands (it exports no exchange_rates, an optional table)
    assert all(n > 0 for t, n in first.items() if t not in ("rejects", "exchange_rates"))
    assert_materialisations_follow_the_conventions(relance_home)


def assert_materialisations_follow_the_conventions(home):
    """The persistent instance's events of the run: dbt models with their row count and a preview
    without personal data (tests/test_conventions_dagster.py)."""
    from orchestration import run

    with run.instance_of_home() as instance:
        invoices = instance.get_latest_materialization_event(dg.AssetKey(["marts", "fct_invoices"]))
        contacts = instance.get_latest_materialization_event(dg.AssetKey(["marts", "dim_contacts"]))
    metadata = invoices.asset_materialization.metadata
    assert metadata["dagster/row_count"].value == raw_counts(home)["invoices"]
    assert metadata["preview"].value.startswith("| invoice_id | customer_id |")
    assert {"email", "full_name"} <= set(contacts.asset_materialization.metadata["preview_hides"].value)


def test_implausible_dates_fail_a_blocking_check_that_stops_downstream_assets(
    relance_home, valid_drop, defs, monkeypatch
):
    """A real drop, valid row by row (ingestion loads every row), with invoices issued in 1890."""
    invoices = valid_drop / "invoices.csv"
    invoices.write_text(invoices.read_text().replace("2025-01-01,2025-01-31", "1890-01-01,1890-01-31"))
    monkeypatch.setenv("RELANCE_ERP_DROP", str(valid_drop.parent))
    job = defs.resolve_job_def("daily_job")
    result = job.execute_in_process(
        partition_key=valid_drop.name, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"raw/invoices", "raw/payments"} <= materialized  # a day's raw tables commit together
    assert "staging/stg_erp__invoices" not in materialized  # blocked by the failed ERROR check upstream
    failed = [
        c for c in result.get_asset_check_evaluations() if not c.passed and c.severity == dg.AssetCheckSeverity.ERROR
    ]
    assert [(c.asset_key.to_user_string(), c.check_name) for c in failed] == [("raw/invoices", "great_expectations")]
    assert failed[0].metadata["blocking_failures"].data == {"dates(issue_date)": 1, "dates(due_date)": 1}


def test_new_drop_sensor_requests_each_new_folder_once(tmp_path, relance_home, monkeypatch, defs):
    root = tmp_path / "erp"
    for day in ("2026-01-01", "2026-01-02"):
        (root / day).mkdir(parents=True)
    monkeypatch.setenv("RELANCE_ERP_DROP", str(root))
    sensor = defs.resolve_sensor_def("new_drop_folder")
    with dg.build_sensor_context(resources={"erp_source": defs.resources["erp_source"]}) as context:
        requests = sensor(context)
        assert [r.partition_key for r in requests] == ["2026-01-01", "2026-01-02"]
        assert context.cursor == "2026-01-02"
        assert isinstance(sensor(context), dg.SkipReason)
        (root / "2026-01-03").mkdir()
        assert [r.partition_key for r in sensor(context)] == ["2026-01-03"]


def test_daily_schedule_processes_yesterdays_extraction(defs):
    schedule = defs.resolve_schedule_def("daily_schedule")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 11, 24, 6, tzinfo=UTC))
    request = schedule(context)
    assert request.partition_key == "2026-11-23"
    assert schedule.cron_schedule == "0 6 * * *"


@pytest.mark.skipif(not IBM_AR_CSV.exists(), reason=f"IBM AR sample not found at {IBM_AR_CSV} (needs ../shared)")
def test_ibm_sample_runs_end_to_end_through_its_adapter(relance_home, monkeypatch):
    from orchestration import run

    monkeypatch.setenv("RELANCE_ERP_ADAPTER", f"ibm_ar:{IBM_AR_CSV}")
    assert run.main() == 0
    counts = raw_counts(relance_home)
    assert (counts["customers"], counts["invoices"], counts["payments"], counts["disputes"]) == (100, 2466, 2466, 561)
    assert counts["rejects"] == 0
    with duckdb.connect(str(relance_home / "warehouse.duckdb"), read_only=True) as con:
        partition, late = con.execute("""select max(i._partition), avg(greatest(p.payment_date - i.due_date, 0))
            from raw.invoices i join raw.payments p using (invoice_id)""").fetchone()
    assert str(partition) == "2014-01-09"
    assert round(late, 2) == 3.44  # the sample's published mean DaysLate survives the mapping


def test_make_run_reads_a_users_drop_root(relance_home, valid_drop, monkeypatch, capsys):
    from orchestration import run

    monkeypatch.setenv("RELANCE_ERP_DROP", str(valid_drop.parent))
    assert run.main() == 0
    assert "extraction 2025-03-01 (source: drop)" in capsys.readouterr().out
    counts = raw_counts(relance_home)
    assert (counts["customers"], counts["invoices"], counts["payments"], counts["disputes"]) == (2, 2, 1, 0)
    assert valid_drop.is_dir()  # a user's own drops are never pruned


def test_a_broken_file_fails_the_run_naming_the_file(relance_home, valid_drop, monkeypatch, capsys):
    from orchestration import run

    (valid_drop / "payments.csv").write_text("payment_id;customer_id;invoice_id\n")
    monkeypatch.setenv("RELANCE_ERP_DROP", str(valid_drop.parent))
    assert run.main() == 1
    out = capsys.readouterr()
    assert "Run FAILED for 2025-03-01" in out.out
    assert f"{valid_drop / 'payments.csv'}: wrong delimiter" in out.out + out.err
    assert set(raw_counts(relance_home).values()) == {0}  # the day failed whole: nothing was loaded


def test_settings_reach_the_resources_when_a_run_needs_them(monkeypatch, tmp_path):
    from journeys.catalog import CONFIG_DIR
    from journeys.schedule import not_before
    from orchestration.resources import JourneysConfigResource, SendGridResource

    monkeypatch.setenv("RELANCE_POLICY_PROFILE", "consumer_reg_f")
    monkeypatch.setenv("RELANCE_BRAND_COMPANY_NAME", "Acme Recouvrement")
    monkeypatch.setenv("RELANCE_BRAND_UNSUBSCRIBE_GROUP_ID", "77")
    monkeypatch.setenv("SENDGRID_SANDBOX", "1")
    monkeypatch.setenv("RELANCE_HOME", str(tmp_path))
    config = JourneysConfigResource()  # built first, read later: the environment counts at run time
    assert config.policy().name == "consumer_reg_f"
    assert JourneysConfigResource(policy_profile="b2b").policy().name == "b2b"
    assert (config.branding()["company_name"], config.branding()["unsubscribe_group_id"]) == ("Acme Recouvrement", 77)
    static = JourneysConfigResource(journeys_file=str(CONFIG_DIR / "static_schedule.yaml")).journeys()
    assert [(j.name, j.send_time) for j in static] == [("static", "fixed")]
    assert {j.send_time for j in config.journeys()} == {"personal"}
    live = SendGridResource(api_key="SG.test").sender()
    assert live.live and live.sandbox
    assert SendGridResource().sender().folder == tmp_path / "outbox"  # no key: dry-run under RELANCE_HOME
    assert SendGridResource().now("2026-04-01") is None  # the wall clock
    assert SendGridResource(simulated_clock=True).now("2026-04-01") == not_before(pd.Timestamp("2026-04-02"))


DOMAIN_PACKAGES = ("erp", "engines", "data_quality", "ml", "journeys", "documents")


def python_files(*packages):
    root = Path(__file__).resolve().parents[1]
    return [p for package in packages for p in sorted((root / package).rglob("*.py"))]


def test_domain_packages_never_import_orchestration_nor_read_the_environment():
    imports, environment = [], []
    for path in python_files(*DOMAIN_PACKAGES):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            imports += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "orchestration"]
            # ml/registry.py only undoes MLflow's own export of MLFLOW_TRACKING_URI (see its connect)
            if path.name != "registry.py" and isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                environment.append(f"{path.name}:{node.lineno}")
    assert imports == []
    assert environment == []  # settings come in as parameters (orchestration/settings.py reads them)


def test_dbt_tags_place_every_model_after_what_it_reads():
    """A model reading the ML stage's outputs (directly or through another model) is tagged
    after_scoring, one reading the journeys' after_journeys, and no other is: the tags split the
    dbt assets around scoring and the contact list."""
    from orchestration.marts.project import relance_dbt_project

    nodes = json.loads(Path(relance_dbt_project().manifest_path).read_text())["nodes"]
    models = {k: v for k, v in nodes.items() if v["resource_type"] == "model"}

    def reads(unique_id: str, sources: tuple[str, ...]) -> bool:
        parents = models[unique_id]["depends_on"]["nodes"]
        return any(
            p.startswith(tuple(f"source.relance.{s}" for s in sources)) or (p in models and reads(p, sources))
            for p in parents
        )

    # SendGrid's events (journeys.sendgrid_events) land before the build: only the plan and the
    # automatic replies (written after scoring) come after it, with the plan's experiment decisions
    for tag, sources in (
        ("after_scoring", ("ml.",)),
        ("after_journeys", ("journeys.contact_list", "journeys.experiment_allocations", "journeys.inbound_replies")),
    ):
        expected = sorted(v["name"] for k, v in models.items() if reads(k, sources))
        assert sorted(v["name"] for v in models.values() if tag in v["tags"]) == expected
        assert expected  # the convention is in use
