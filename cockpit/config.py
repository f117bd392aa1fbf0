"""Where the cockpit reads and writes, from the environment (read when needed, never at import).

| variable | meaning | default |
|---|---|---|
| COCKPIT_WAREHOUSE | a DuckDB file (opened read-only) or the Parquet exports dir | `$RELANCE_HOME/warehouse.duckdb` |
| COCKPIT_STATE_DIR | the cockpit's own files: decisions.sqlite, users (password file) | `$RELANCE_HOME/cockpit` |
| COCKPIT_SECRETS | a secrets.toml with an `[auth]` section: OIDC sign-in, no password file | unset |
| MLFLOW_TRACKING_URI | MLflow store for model health (optional) | `sqlite:///$RELANCE_HOME/mlflow.db` if present |

The defaults follow orchestration/settings.py (same RELANCE_HOME) without importing Dagster.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def home() -> Path:
    return Path(os.environ.get("RELANCE_HOME") or PROJECT_ROOT / ".relance").resolve()


def warehouse() -> Path:
    return Path(os.environ.get("COCKPIT_WAREHOUSE") or home() / "warehouse.duckdb").resolve()


def state_dir() -> Path:
    return Path(os.environ.get("COCKPIT_STATE_DIR") or home() / "cockpit").resolve()


def decisions_db() -> Path:
    return state_dir() / "decisions.sqlite"


def users_file() -> Path:
    return state_dir() / "users"


def secrets_file() -> Path | None:
    value = os.environ.get("COCKPIT_SECRETS")
    return Path(value).resolve() if value else None


def tracking_uri() -> str | None:
    """The MLflow store, or None when there is none yet (the page then says so)."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    default = home() / "mlflow.db"
    return f"sqlite:///{default}" if default.exists() else None
