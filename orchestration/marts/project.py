"""The dbt project as Dagster sees it: one cached DbtProject whose manifest `make dbt-manifest`
generates (never committed, never parsed at import; `dagster dev` re-parses on each reload),
and the dbt executable of this interpreter's environment (a virtualenv's bin/ is not
necessarily on PATH)."""

import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


@cache
def relance_dbt_project() -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    project.prepare_if_dev()
    if not Path(project.manifest_path).exists():
        raise FileNotFoundError(
            f"no dbt manifest at {project.manifest_path}: run `make dbt-manifest` (make run and make test do it first)"
        )
    return project


class RelanceDbtCli(DbtCliResource):
    """dagster-dbt's resource without the in-process dbt adapter it builds before every command
    by parsing dbt's 400-odd built-in macros (3–4 s of CPU per dbt step, three steps a day).
    That handle serves only ``fetch_row_counts()`` / ``fetch_column_metadata()``, which these
    assets do not call; the dbt command itself runs exactly as before."""

    def _initialize_dbt_core_adapter(self, args):  # dagster-dbt 0.29: its result is optional
        return None


def dbt_cli(project: DbtProject) -> DbtCliResource:
    return RelanceDbtCli(project_dir=project, dbt_executable=DBT_EXECUTABLE)
