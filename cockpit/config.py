"""Where the cockpit reads and writes: the project's settings (orchestration/settings.py, the one
reader of the environment; it imports nothing of Dagster), read when needed, never at import.

| variable | meaning | default |
|---|---|---|
| COCKPIT_WAREHOUSE | a DuckDB file (read-only) or the Parquet exports | `$RELANCE_HOME/published/warehouse.duckdb` |
| COCKPIT_STATE_DIR | the cockpit's own files: decisions.sqlite, users (password file) | `$RELANCE_HOME/cockpit` |
| COCKPIT_SECRETS | a secrets.toml with an `[auth]` section: OIDC sign-in, no password file | unset |
| MLFLOW_TRACKING_URI | MLflow store for model health (optional) | `sqlite:///$RELANCE_HOME/mlflow.db` if present |
"""

from __future__ import annotations

from pathlib import Path

from orchestration import settings


def home() -> Path:
    return settings.home()


def warehouse() -> Path:
    return settings.cockpit_warehouse()


def state_dir() -> Path:
    return settings.cockpit_state_dir()


def decisions_db() -> Path:
    return state_dir() / "decisions.sqlite"


def users_file() -> Path:
    return state_dir() / "users"


def secrets_file() -> Path | None:
    return settings.cockpit_secrets()


def tracking_uri() -> str | None:
    """The MLflow store, or None when there is none yet (the page then says so)."""
    uri = settings.tracking_uri()
    return None if uri == settings.default_tracking_uri() and not (home() / "mlflow.db").exists() else uri
