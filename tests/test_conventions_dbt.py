"""dbt's conventions, read from the manifest Dagster loads: every model documented in YAML and in
a group with an owner, every column of a contracted model described, exposures for the cockpit,
the portal and the Parquet exports that list what their code reads, and docs that generate offline
into a page that opens from the file system."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.marts.parquet_export import PERSONAL

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "dbt_project"
DBT = str(Path(sys.executable).with_name("dbt"))


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((PROJECT / "target" / "manifest.json").read_text())


def models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_every_model_has_a_yaml_description(manifest):
    undocumented = sorted(name for name, n in models(manifest).items() if not n["description"].strip())
    unpatched = sorted(name for name, n in models(manifest).items() if not n.get("patch_path"))
    assert not undocumented, f"describe these models in their folder's YAML: {undocumented}"
    assert not unpatched, f"these models have no YAML entry: {unpatched}"


def test_every_model_is_in_a_group_with_an_owner(manifest):
    groups = {g["name"]: g for g in manifest["groups"].values()}
    assert groups, "no groups: dbt_project/models/_groups.yml"
    for group in groups.values():
        assert group["owner"].get("name") and group["owner"].get("email"), f"group {group['name']} has no owner"
    orphans = sorted(name for name, n in models(manifest).items() if n.get("group") not in groups)
    assert not orphans, f"assign these models a group (dbt_project.yml): {orphans}"


def test_every_column_of_a_contracted_model_is_described(manifest):
    missing = {
        name: sorted(c for c, col in n["columns"].items() if not col.get("description", "").strip())
        for name, n in models(manifest).items()
        if n["config"]["contract"]["enforced"]
    }
    assert not {k: v for k, v in missing.items() if v}, f"undescribed contracted columns: {missing}"


def exposure_models(manifest: dict, name: str) -> set[str]:
    exposure = manifest["exposures"][f"exposure.relance.{name}"]
    assert exposure["owner"].get("email") and exposure["description"].strip()
    return {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}


def models_read_by(package: str, manifest: dict) -> set[str]:
    """The dbt models a package's SQL names (schema.model), its tests excluded."""
    named = set()
    for path in (ROOT / package).rglob("*.py"):
        named |= set(re.findall(r"\b(?:marts|intermediate|staging)\.(\w+)", path.read_text()))
    return named & set(models(manifest))


@pytest.mark.parametrize("exposure, package", [("collections_cockpit", "cockpit"), ("customer_portal", "portal")])
def test_app_exposures_list_every_model_their_code_reads(manifest, exposure, package):
    read = models_read_by(package, manifest)
    assert read, f"{package} reads no model: the pattern no longer finds its queries"
    assert read <= exposure_models(manifest, exposure), (
        f"add to {exposure} in models/exposures.yml: {sorted(read - exposure_models(manifest, exposure))}"
    )


def test_parquet_exposure_is_every_exported_mart(manifest):
    exported = {name for name, n in models(manifest).items() if n["fqn"][1] == "marts"} - set(PERSONAL)
    assert exposure_models(manifest, "parquet_exports") == exported


def test_docs_generate_offline_into_a_page_that_opens_from_disk(tmp_path):
    """On a scratch warehouse (a fresh clone has none): the catalog and a static page with the
    manifest and catalog inlined, which a browser opens from file:// without `dbt docs serve`."""
    (tmp_path / "home").mkdir()
    env = os.environ | {"RELANCE_HOME": str(tmp_path / "home"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("RELANCE_WAREHOUSE", None)
    target = tmp_path / "target"
    result = subprocess.run(
        [DBT, "docs", "generate", "--static", "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT)]
        + ["--target-path", str(target), "--log-path", str(tmp_path / "logs")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert json.loads((target / "catalog.json").read_text())["metadata"]["dbt_schema_version"]
    assert (target / "index.html").stat().st_size > 100_000
    page = (target / "static_index.html").read_text()
    assert "int_kpi_period_countback" in page and "collections_cockpit" in page  # the docs are inlined
