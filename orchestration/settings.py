"""Configuration from the environment: the one module that reads it, when a run or a command
needs a value (never at import). Resources (orchestration/resources.py) fall back to these
functions for every field left unset; domain packages receive the values as parameters.

| variable | meaning | default |
|---|---|---|
| RELANCE_HOME | the one data directory: warehouse, MLflow store, simulator, outbox | `.relance/` in the checkout |
| RELANCE_ERP_DROP | a drop root in the contract's layout (`<root>/YYYY-MM-DD/<table>.csv`) | the simulator's drops |
| RELANCE_ERP_ADAPTER | `<adapter>:<path>`: convert a real export into a drop (e.g. `ibm_ar:/data/ar.csv`) | unset |
| MLFLOW_TRACKING_URI | MLflow tracking store | `sqlite:///$RELANCE_HOME/mlflow.db` |
| RELANCE_MLFLOW_UI_URL | the MLflow UI Dagster links training runs to | `http://127.0.0.1:5000` (`make mlflow-ui`) |
| SENDGRID_API_KEY | live e-mail delivery; absent means dry-run | unset (dry-run) |
| SENDGRID_HOST / _SANDBOX / _ASM_GROUP_ID | API host, validate-only mode, unsubscribe group | SendGrid / off / brand |
| SENDGRID_WEBHOOK_PUBLIC_KEY | verification key of the signed Event Webhook (`make webhook`) | unset |
| RELANCE_POLICY_PROFILE | contact-rule profile: `b2b` or the stricter `consumer_reg_f` | b2b |
| RELANCE_AUTO_ACCEPT_TEXT_PROMISES | a promise read in an e-mail counts without a person's confirmation | off |
| RELANCE_BRAND_<KEY> | overrides a key of journeys/config/branding.yaml (e.g. RELANCE_BRAND_COMPANY_NAME) | the file |
| RELANCE_HISTORY_START | first day of the daily partitions (read as Dagster loads the definitions) | the data's |
| RELANCE_DUCKDB_MEMORY_LIMIT | memory DuckDB may use before it spills to disk (warehouse connections, dbt) | 3GB |
| RELANCE_RETENTION_DAYS | raw partitions and simulator drops kept behind the newest | 35 |
| RELANCE_SCHEDULE_TIMEZONE | time zone of the 06:00 daily schedule (read when Dagster loads the definitions) | UTC |
| RELANCE_SIM_CUSTOMERS / _MONTHS / _SEED | size of the simulated world created on first run | 1000 / 24 / 42 |
| RELANCE_ENGINE | where dbt builds the models: `duckdb`, `postgres` or `spark` (profiles.yml target) | duckdb |
| RELANCE_LAKE | the open raw layer (Hive-partitioned Parquet) ingestion writes | `lake/` beside the warehouse |
| RELANCE_LAKE_LOCATION | how a Spark cluster reaches RELANCE_LAKE (e.g. `s3a://bucket/lake`) | the local path |
| RELANCE_PG_HOST / _PORT / _USER / _PASSWORD / _DATABASE | the PostgreSQL warehouse | 127.0.0.1 / 5432 / relance |
| RELANCE_SPARK_HOST / _PORT / _USER | the Spark Thrift Server (profiles.yml too) | 127.0.0.1 / 10000 / relance |
| RELANCE_SPARK_MASTER | scoring and the plan on Spark (`local[2]`, `spark://host:7077`, `yarn`) | unset: in process |
| RELANCE_PLAN_PARTITIONS | customer partitions the plan is split into under Spark | the session's parallelism |
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def home() -> Path:
    return Path(os.environ.get("RELANCE_HOME") or PROJECT_ROOT / ".relance").resolve()


def warehouse_path() -> Path:
    return home() / "warehouse.duckdb"


def published_path(warehouse: Path | None = None) -> Path:
    """The read-only copy of ``warehouse`` (default: the warehouse) that readers open, beside it."""
    warehouse = warehouse or warehouse_path()
    return warehouse.parent / "published" / warehouse.name


def simulator_root() -> Path:
    return home() / "simulator"


def erp_drop_root() -> Path | None:
    value = os.environ.get("RELANCE_ERP_DROP")
    return Path(value).resolve() if value else None


def erp_adapter() -> tuple[str, Path] | None:
    value = os.environ.get("RELANCE_ERP_ADAPTER")
    if not value:
        return None
    name, sep, path = value.partition(":")
    if not sep or not path:
        raise ValueError(f"RELANCE_ERP_ADAPTER={value!r}: expected <adapter>:<path to the export>")
    return name, Path(path).resolve()


def events_dir() -> Path:
    """Where the Event Webhook receiver lands SendGrid events for the next run to ingest."""
    return home() / "events"


def outbox_dir() -> Path:
    """Dry-run e-mails as .eml files, one folder per send day."""
    return home() / "outbox"


def letters_dir() -> Path:
    """The printed letters: one print-ready batch.pdf per plan day, in a folder of its own."""
    return home() / "letters"


def worklist_dir() -> Path:
    """The collector worklist as one CSV per owner, in a folder per day."""
    return home() / "exports" / "worklist"


def tracking_uri() -> str:
    return os.environ.get("MLFLOW_TRACKING_URI") or default_tracking_uri()


def default_tracking_uri() -> str:
    return f"sqlite:///{home() / 'mlflow.db'}"


def mlflow_ui_url() -> str:
    """Base address of the MLflow UI the training assets link their runs and versions to."""
    return (os.environ.get("RELANCE_MLFLOW_UI_URL") or "http://127.0.0.1:5000").rstrip("/")


def sendgrid_api_key() -> str | None:
    return os.environ.get("SENDGRID_API_KEY") or None


def sendgrid_options() -> dict:
    """Where and how live delivery talks to SendGrid (the key is separate: never logged)."""
    group = os.environ.get("SENDGRID_ASM_GROUP_ID")
    return {
        "host": os.environ.get("SENDGRID_HOST") or "https://api.sendgrid.com",
        "asm_group_id": int(group) if group else None,
        "sandbox": os.environ.get("SENDGRID_SANDBOX", "").lower() in ("1", "true", "yes"),
    }


def webhook_public_key() -> str | None:
    return os.environ.get("SENDGRID_WEBHOOK_PUBLIC_KEY") or None


def policy_profile() -> str:
    return os.environ.get("RELANCE_POLICY_PROFILE") or "b2b"


def auto_accept_text_promises() -> bool:
    """A promise read in an e-mail counts at once, unconfirmed. Off by default: rules read its date."""
    return os.environ.get("RELANCE_AUTO_ACCEPT_TEXT_PROMISES", "").lower() in ("1", "true", "yes", "on")


def reporting_currency() -> str | None:
    """The ISO 4217 code fct_customer_balances also adds balances up in (with the ERP's own rates)."""
    value = (os.environ.get("RELANCE_REPORTING_CURRENCY") or "").strip().upper()
    if value and not re.fullmatch(r"[A-Z]{3}", value):
        raise ValueError(f"RELANCE_REPORTING_CURRENCY must be a three-letter currency code such as EUR, not {value!r}")
    return value or None


BRAND_PREFIX = "RELANCE_BRAND_"


def brand_overrides() -> dict[str, str]:
    """RELANCE_BRAND_<KEY>=value for each branding key to override, keyed by the lower-case key."""
    return {
        name[len(BRAND_PREFIX) :].lower(): value for name, value in os.environ.items() if name.startswith(BRAND_PREFIX)
    }


def portal_secret() -> str:
    """RELANCE_PORTAL_SECRET, else a random key made once under RELANCE_HOME (owner-only): never a
    guessable default, with which anyone could forge a portal link."""
    value = os.environ.get("RELANCE_PORTAL_SECRET")
    if value:
        return value
    path = home() / "portal_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def portal_url() -> str:
    """Where customers reach the portal (RELANCE_PORTAL_URL): the base of every link in e-mails."""
    return (os.environ.get("RELANCE_PORTAL_URL") or "http://127.0.0.1:8030").rstrip("/")


def portal_events_dir() -> Path:
    """Where the portal lands what customers do, for the next run to ingest."""
    return home() / "portal_events"


def cockpit_warehouse() -> Path:
    """A DuckDB file (read-only) or the Parquet exports; by default the published copy, never the live file."""
    return Path(os.environ.get("COCKPIT_WAREHOUSE") or published_path()).resolve()


def cockpit_state_dir() -> Path:
    """The cockpit's own files (people's decisions, passwords), apart from the pipeline's warehouse."""
    return Path(os.environ.get("COCKPIT_STATE_DIR") or home() / "cockpit").resolve()


def cockpit_secrets() -> Path | None:
    """A Streamlit secrets.toml whose [auth] section signs people in through OIDC (COCKPIT_SECRETS)."""
    value = os.environ.get("COCKPIT_SECRETS")
    return Path(value).resolve() if value else None


def duckdb_memory_limit() -> str:
    """Past it DuckDB spills to disk; its own default, 80 % of RAM, let 100k customers' ingestion take 8.5 GB."""
    value = (os.environ.get("RELANCE_DUCKDB_MEMORY_LIMIT") or DUCKDB_MEMORY_LIMIT).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", value, flags=re.IGNORECASE):
        raise ValueError(f"RELANCE_DUCKDB_MEMORY_LIMIT={value!r}: expected a size such as 3GB or 512MB")
    return value


DUCKDB_MEMORY_LIMIT = "3GB"  # dbt_project/profiles.yml has the same default for dbt run by hand


def retention_days() -> int:
    return int(os.environ.get("RELANCE_RETENTION_DAYS", "35"))


def history_start() -> str | None:
    """RELANCE_HISTORY_START as an ISO date, or None when unset."""
    value = os.environ.get("RELANCE_HISTORY_START")
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"RELANCE_HISTORY_START={value!r}: expected a date, YYYY-MM-DD") from None


def schedule_timezone() -> str:
    return os.environ.get("RELANCE_SCHEDULE_TIMEZONE", "UTC")


def simulator_size() -> dict[str, int]:
    return {
        "customers": int(os.environ.get("RELANCE_SIM_CUSTOMERS", "1000")),
        "months": int(os.environ.get("RELANCE_SIM_MONTHS", "24")),
        "seed": int(os.environ.get("RELANCE_SIM_SEED", "42")),
    }


ENGINES = ("duckdb", "postgres", "spark")


def engine() -> str:
    """The dbt target every dbt step builds on; the rest of the wiring is the same for each."""
    value = os.environ.get("RELANCE_ENGINE") or "duckdb"
    if value not in ENGINES:
        raise ValueError(f"RELANCE_ENGINE={value!r}: expected one of {', '.join(ENGINES)}")
    return value


def lake_dir() -> Path | None:
    """RELANCE_LAKE, if set; otherwise the layer sits beside the warehouse file."""
    value = os.environ.get("RELANCE_LAKE")
    return Path(value).resolve() if value else None


def lake_location() -> str | None:
    return os.environ.get("RELANCE_LAKE_LOCATION") or None


def spark_master() -> str | None:
    """The Spark master scoring and the plan run on; None keeps them in this process."""
    return os.environ.get("RELANCE_SPARK_MASTER") or None


def plan_partitions() -> int | None:
    value = os.environ.get("RELANCE_PLAN_PARTITIONS")
    return int(value) if value else None


def engine_connection(name: str) -> dict:
    """Connection keywords of the engine's client (psycopg2, PyHive), from the variables the dbt
    profile reads too, with the same defaults."""
    env = os.environ.get
    if name == "postgres":
        return {
            "host": env("RELANCE_PG_HOST", "127.0.0.1"),
            "port": int(env("RELANCE_PG_PORT", "5432")),
            "user": env("RELANCE_PG_USER", "relance"),
            "password": env("RELANCE_PG_PASSWORD", ""),
            "dbname": env("RELANCE_PG_DATABASE", "relance"),
        }
    return {
        "host": env("RELANCE_SPARK_HOST", "127.0.0.1"),
        "port": int(env("RELANCE_SPARK_PORT", "10000")),
        "username": env("RELANCE_SPARK_USER", "relance"),
    }


# The instance configuration every Dagster home of Relance gets (telemetry off, one run at a time).
DAGSTER_YAML = Path(__file__).with_name("dagster.yaml")


def dagster_home() -> Path:
    """A persistent Dagster instance under RELANCE_HOME, shared by `make run` and `dagster dev`:
    telemetry off, one run at a time."""
    path = Path(os.environ.get("DAGSTER_HOME") or home() / "dagster")
    path.mkdir(parents=True, exist_ok=True)
    config, wanted = path / "dagster.yaml", DAGSTER_YAML.read_text()
    if not config.exists() or config.read_text() != wanted:
        config.write_text(wanted)
    return path


if __name__ == "__main__":
    # `python -m orchestration.settings tracking-uri|dagster-home|home` for the Makefile.
    print({"tracking-uri": tracking_uri, "dagster-home": dagster_home, "home": home}[sys.argv[1]]())
