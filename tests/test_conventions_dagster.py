"""Dagster's conventions on the definitions as loaded: a named code location; every asset — the
ones added later included — with owners, kinds and a description (dbt models: their YAML's);
every schedule, sensor and job described; dbt materialisations with a row count and a preview
that keeps personal data out; training assets linking to their MLflow run."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration import conventions

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs

    return defs


def test_the_code_location_has_a_name():
    (location,) = yaml.safe_load((ROOT / "workspace.yaml").read_text())["load_from"]
    assert location["python_module"]["location_name"] == "relance"
    assert location["python_module"]["module_name"] == "orchestration.definitions"


def test_every_asset_has_owners_kinds_and_a_description(defs):
    problems = {}
    for spec in defs.resolve_all_asset_specs():
        missing = [
            what
            for what, ok in (
                ("an owner (orchestration/conventions.py OWNERS, by group)", bool(spec.owners)),
                ("a team owner (team:<name>)", all(o.startswith("team:") for o in spec.owners)),
                ("a kind (compute_kind= or kinds=)", bool(spec.kinds)),
                ("a description", bool((spec.description or "").strip())),
            )
            if not ok
        ]
        if missing:
            problems[spec.key.to_user_string()] = missing
    assert not problems, f"assets without {problems}"


def test_dbt_assets_show_their_models_yaml_description_and_group_owner(defs):
    manifest = json.loads((ROOT / "dbt_project" / "target" / "manifest.json").read_text())
    owners = {g["name"]: f"team:{g['owner']['name']}" for g in manifest["groups"].values()}
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")}
    specs = {s.key.path[-1]: s for s in defs.resolve_all_asset_specs() if "dbt" in s.kinds}
    assert set(specs) == set(models)
    for name, spec in specs.items():
        assert spec.description.startswith(models[name]["description"].strip()[:60]), name
        assert spec.owners == [owners[models[name]["group"]]], name


def test_an_asset_added_later_gets_its_groups_owner_and_kinds():
    @dg.asset(key=["journeys", "new_step"], group_name="journeys", compute_kind="python", description="x")
    def new_step(): ...

    @dg.asset(group_name="a_new_group", compute_kind="python", description="y")
    def stray(): ...

    specs = {s.key: s for s in conventions.apply(dg.Definitions(assets=[new_step, stray])).resolve_all_asset_specs()}
    assert specs[new_step.key].owners == ["team:collections"]
    assert set(specs[new_step.key].kinds) == {"python", "duckdb"}
    assert specs[stray.key].owners == []  # a group without a team: the test above names it


def test_every_schedule_sensor_and_job_has_a_description(defs):
    described = [
        *defs.schedules,
        *defs.sensors,
        *(j for j in defs.resolve_all_job_defs() if not j.name.startswith("__")),
    ]
    assert len(described) >= 5
    assert not [d.name for d in described if not (d.description or "").strip()]


def test_dbt_materialisations_get_the_partitions_row_count_and_a_preview_without_personal_data(tmp_path):
    from orchestration.marts.assets import with_table_metadata
    from orchestration.resources import WarehouseResource

    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts; create schema staging")
        con.execute(
            "create table marts.fct_x as select 'C' || i as customer_id, 'Alice Martin ' || i as customer_name, "
            "i * 1.5 as open_amount, date '2026-01-01' + cast(i % 2 as integer) as as_of_date from range(7) t(i)"
        )
        con.execute("create view staging.stg_y as select i as n from range(3) t(i)")
    manifest = {
        "nodes": {
            f"model.relance.{t}": {"schema": s, "alias": t} for s, t in [("marts", "fct_x"), ("staging", "stg_y")]
        }
    }
    check = dg.AssetCheckResult(asset_key="fct_x", check_name="not_null", passed=True)
    events = [
        dg.Output(None, output_name="fct_x", metadata={"unique_id": "model.relance.fct_x"}),
        check,
        dg.Output(None, output_name="stg_y", metadata={"unique_id": "model.relance.stg_y"}),
    ]
    fct, passed, stg = with_table_metadata(events, manifest, WarehouseResource(path=str(path)), "2026-01-02")
    assert passed is check
    assert fct.metadata["dagster/row_count"].value == 3  # the partition's slice (i = 1, 3, 5)
    assert fct.metadata["row_count_scope"].value == "as_of_date = 2026-01-02"
    preview = fct.metadata["preview"].value
    assert preview.splitlines()[0] == "| customer_id | open_amount | as_of_date |" and "| C1 | 1.5 |" in preview
    assert "Alice" not in preview and fct.metadata["preview_hides"].value == ["customer_name"]
    assert fct.metadata["unique_id"].value == "model.relance.fct_x"  # dagster-dbt's own metadata kept
    assert stg.metadata["dagster/row_count"].value == 3 and stg.metadata["row_count_scope"].value == "whole relation"


def test_training_assets_link_to_their_mlflow_run_and_version(tmp_path, monkeypatch):
    import mlflow

    from ml import registry, training
    from orchestration.models.assets import _training_result
    from tests.test_ml_shape import AS_OF, GATES, TinySpec, tiny_data

    monkeypatch.setenv("RELANCE_MLFLOW_UI_URL", "http://mlflow.example:5000/")
    registry.connect(f"sqlite:///{tmp_path / 'mlflow.db'}", tmp_path / "artifacts")
    result = training.run_training(TinySpec(), tiny_data(), AS_OF, GATES)
    metadata = _training_result("tiny", result).metadata
    experiment = mlflow.get_experiment_by_name(TinySpec.experiment).experiment_id
    assert (
        metadata["mlflow_run"].url == f"http://mlflow.example:5000/#/experiments/{experiment}/runs/{result['run_id']}"
    )
    assert metadata["mlflow_model_version"].url == "http://mlflow.example:5000/#/models/tiny/versions/1"
