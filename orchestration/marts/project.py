"""The dbt project as Dagster sees it: one cached DbtProject, its manifest generated (never
committed) whenever the models change, and the dbt executable of this interpreter's environment
(a virtualenv's bin/ is not necessarily on PATH)."""

import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests")
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


@cache
def relance_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if _manifest_is_stale(project):
        dbt_cli(project).cli(["parse"], target_path=project.target_path).wait()  # ~4 s, after model changes only
    return project


def dbt_cli(project: DbtProject) -> DbtCliResource:
    return DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)


def _manifest_is_stale(project: DbtProject) -> bool:
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    files = (p for name in SOURCES for p in [DBT_PROJECT_DIR / name, *(DBT_PROJECT_DIR / name).rglob("*")])
    return any(p.exists() and p.stat().st_mtime > built for p in files)
