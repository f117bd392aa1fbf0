"""Resources: every setting a run uses. A field left unset falls back, when the run needs it, to
orchestration/settings.py (the environment, then embedded defaults); tests and the closed loop
set fields instead."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb

from erp.sources import ErpSource
from orchestration import settings


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file. DuckDB allows one writer at a time, so jobs writing to it run
    their steps in one process, one after the other. ``engine``: where dbt builds the models
    (RELANCE_ENGINE); ``lake``: the open raw layer ingestion also writes (RELANCE_LAKE)."""

    path: str | None = None
    engine: str | None = None
    lake: str | None = None

    @property
    def file(self) -> Path:
        return Path(self.path) if self.path else settings.warehouse_path()

    @property
    def published(self) -> Path:
        """The read-only copy readers open, replaced after each run (orchestration/published.py)."""
        return settings.published_path(self.file)

    @property
    def engine_name(self) -> str:
        return self.engine or settings.engine()

    @property
    def lake_dir(self) -> Path:
        return Path(self.lake) if self.lake else settings.lake_dir() or self.file.parent / "lake"

    def publish_raw(self) -> dict[str, int]:
        """Make the open raw layer readable by the engine's dbt sources (DuckDB reads raw.* itself)."""
        name = self.engine_name
        if name == "duckdb":
            return {}
        import engines  # the `engines` extra: only a PostgreSQL or Spark target needs its clients

        if name == "postgres":
            return engines.publish_postgres(self.lake_dir, settings.engine_connection(name))
        return engines.publish_spark(self.lake_dir, settings.engine_connection(name), settings.lake_location())

    @contextmanager
    def connect(self, read_only: bool = False):
        self.file.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.file), read_only=read_only)
        try:
            con.execute("set TimeZone = 'UTC'")
            con.execute(f"set memory_limit = '{settings.duckdb_memory_limit()}'")  # validated: a size
            yield con
        finally:
            con.close()


class ErpSourceResource(dg.ConfigurableResource):
    """Where drops come from: RELANCE_ERP_ADAPTER, else RELANCE_ERP_DROP, else the simulator; how many
    days of raw partitions and generated drops are kept (RELANCE_RETENTION_DAYS)."""

    drop_root: str | None = None
    adapter: str | None = None
    retention_days: int | None = None

    def source(self) -> ErpSource:
        adapter = settings.erp_adapter() if self.adapter is None else tuple(self.adapter.split(":", 1))
        root = Path(self.drop_root) if self.drop_root else settings.erp_drop_root()
        common = {"retention_days": settings.retention_days() if self.retention_days is None else self.retention_days}
        if adapter:
            name, export = adapter
            return ErpSource(
                "adapter", settings.home() / "adapters" / name / "drops", adapter=(name, Path(export)), **common
            )
        if root:
            return ErpSource("drop", root, **common)
        sim = settings.simulator_root()
        return ErpSource(
            "simulator", sim / "drops", simulator_root=sim, simulator_size=settings.simulator_size(), **common
        )


class MlflowResource(dg.ConfigurableResource):
    """MLflow tracking store: local SQLite under RELANCE_HOME unless MLFLOW_TRACKING_URI is set."""

    tracking_uri: str | None = None

    def uri(self) -> str:
        return self.tracking_uri or settings.tracking_uri()

    def connect(self) -> None:
        from ml import registry

        registry.connect(self.uri(), settings.home() / "mlartifacts")


class SendGridResource(dg.ConfigurableResource):
    """SendGrid delivery. Without SENDGRID_API_KEY every message goes to the dry-run outbox.
    ``simulated_clock``: deliver as if the run happened when the partition's send day starts
    (simulated days, whose touches must carry their own dates), not at the wall clock."""

    api_key: str | None = None
    simulated_clock: bool = False

    def key(self) -> str | None:
        return self.api_key or settings.sendgrid_api_key()

    @property
    def dry_run(self) -> bool:
        return self.key() is None

    def sender(self):
        """The dry-run outbox (its unsubscribe links lead to the customer portal) or the live
        client (host, sandbox and unsubscribe group from the environment, see settings.py)."""
        from journeys.delivery import make_sender

        return make_sender(
            settings.outbox_dir(), api_key=self.key(), links=unsubscribe_links(), **settings.sendgrid_options()
        )

    def now(self, partition: str) -> datetime | None:
        """The delivery's clock: None for the wall clock."""
        from journeys.schedule import not_before, send_day_of

        return not_before(send_day_of(partition)) if self.simulated_clock else None


def unsubscribe_links():
    """The portal's signed links a customer unsubscribes through (RELANCE_PORTAL_URL)."""
    from journeys.unsubscribe import UnsubscribeLinks
    from portal.security import Links

    links, base = Links(settings.portal_secret()), settings.portal_url()

    def token(customer_id: str) -> str:
        return links.issue(customer_id, UNSUBSCRIBE_DAYS)

    return UnsubscribeLinks(
        page=lambda customer: f"{base}/start/{token(customer)}?then=unsubscribe",
        one_click=lambda customer: f"{base}/one-click-unsubscribe/{token(customer)}",
    )


UNSUBSCRIBE_DAYS = 365  # an e-mail read months later must still let its reader stop the reminders


class JourneysConfigResource(dg.ConfigurableResource):
    """What the day's plan follows: the journeys file, the contact-rule profile, the experiments
    and the branding. The closed loop's one-size-fits-all schedule is another journeys file."""

    journeys_file: str | None = None
    policy_profile: str | None = None
    experiments_file: str | None = None
    branding_file: str | None = None

    def journeys(self):
        from journeys import catalog

        return catalog.load_journeys(*self._path(self.journeys_file))

    def policy(self):
        from journeys import catalog

        return catalog.load_policy(self.policy_profile or settings.policy_profile())

    def experiments(self):
        from journeys import catalog

        return catalog.load_experiments(*self._path(self.experiments_file))

    def branding(self) -> dict:
        from journeys import catalog

        return catalog.load_branding(*self._path(self.branding_file), overrides=settings.brand_overrides())

    @staticmethod
    def _path(value: str | None) -> tuple[Path, ...]:
        """The file given, else (nothing) the catalog's own default."""
        return (Path(value),) if value else ()


class ScoresResource(dg.ConfigurableResource):
    """Who computes the day's ml.* scores: the champion models, always, in the product. The
    closed-loop benchmark alone hands the scoring asset a subclass (benchmarks/oracle.py) that
    fills the same tables from the simulator's ground truth, so its ceiling runs through the very
    job, marts and planner the models do."""

    def score(self, champions: dict, data: dict, as_of, apply=None) -> list:
        """Each champion's scores of today's rows (ml.scoring.Scored), for ml.scores.write;
        ``apply`` runs the model on the rows (ComputeResource.score_apply)."""
        from ml import scoring

        return scoring.score_all(champions, data, as_of, apply=apply)


class ComputeResource(dg.ConfigurableResource):
    """Where the Python stages after dbt run: in this process, or spread over Spark when a master
    is set (RELANCE_SPARK_MASTER): the champions applied by ``mapInPandas``, the plan computed per
    hash-partition of customers by ``applyInPandas`` (engines/spark_compute.py). The functions,
    and so the results, are the single process's; only this resource knows the difference, so
    the assets and jobs are the same for every engine."""

    spark_master: str | None = None
    plan_partitions: int | None = None

    def master(self) -> str | None:
        return self.spark_master or settings.spark_master()

    def score_apply(self):
        """What ``ml.scoring.score`` applies a champion with: None (in process) or Spark's."""
        if not self.master():
            return None
        from functools import partial

        from engines import spark_compute

        return partial(spark_compute.score_on_spark, self._session())

    def plan_day(self, day, journeys: tuple, policy, experiments: tuple):
        """``journeys.contact_list.plan_day``, in process or per customer partition on Spark."""
        if not self.master():
            from journeys.contact_list import plan_day

            return plan_day(day, journeys, policy, experiments)
        from engines import spark_compute

        spark = self._session()
        partitions = self.plan_partitions or settings.plan_partitions() or spark.sparkContext.defaultParallelism
        return spark_compute.plan_on_spark(spark, day, journeys, policy, experiments, partitions=partitions)

    def _session(self):
        from engines import spark_compute

        master = self.master()
        if master.startswith("local"):  # a local master's workers are this interpreter, which holds the project
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        return spark_compute.session(master)


def default_resources() -> dict:
    return {
        "warehouse": WarehouseResource(),
        "erp_source": ErpSourceResource(),
        "mlflow": MlflowResource(),
        "sendgrid": SendGridResource(),
        "journeys_config": JourneysConfigResource(),
        "scores": ScoresResource(),
        "compute": ComputeResource(),
    }
