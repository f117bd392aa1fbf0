"""Commands that run outside a Dagster job, configured like the runs (orchestration/settings.py):

    python -m orchestration.cli webhook [--host H] [--port P]   # `make webhook`: the SendGrid Event Webhook
    python -m orchestration.cli deliver --warehouse W --as-of D  # deliver one day's outbox by hand
    python -m orchestration.cli publish-raw [--lake L]           # the open raw layer onto RELANCE_ENGINE

They live here, not in the journeys package, so that the domain code never reads the environment.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import timedelta
from pathlib import Path

from journeys.outcomes import RECONCILE_AFTER
from orchestration import settings


def webhook(args: argparse.Namespace) -> int:
    """Land SendGrid's signed events under RELANCE_HOME/events for the next run to ingest."""
    from journeys.webhook import PATH, Receiver, server

    key = settings.webhook_public_key()
    if not key:
        print(
            "SENDGRID_WEBHOOK_PUBLIC_KEY is not set: the receiver accepts only signed events "
            "(copy the verification key from SendGrid → Mail Settings → Event Webhook).",
            file=sys.stderr,
        )
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    receiver = Receiver(key, args.events_dir or settings.events_dir())
    httpd = server(receiver, args.host, args.port)
    logging.getLogger(__name__).info(
        "event webhook listening on http://%s:%d%s, landing in %s", args.host, args.port, PATH, receiver.events_dir
    )
    httpd.serve_forever()
    return 0


def deliver(args: argparse.Namespace) -> int:
    """What the delivery asset does for one day, e.g. to resume by hand after a crash."""
    import duckdb

    from journeys import catalog, delivery

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    sender = delivery.make_sender(
        args.outbox_dir or args.warehouse.parent / "outbox",
        api_key=settings.sendgrid_api_key(),
        **settings.sendgrid_options(),
    )
    with duckdb.connect(str(args.warehouse)) as con:
        report = delivery.deliver(
            con,
            sender,
            catalog.load_branding(overrides=settings.brand_overrides()),
            args.as_of,
            reconcile_after=timedelta(minutes=args.reconcile_after_minutes),
        )
    print(
        f"{report.sent} sent, {report.failed} failed, {report.deferred} deferred, {report.in_doubt} in doubt, "
        f"{report.reconciled} reconciled, {report.suppressed} cancelled (the contact can no longer be e-mailed)"
    )
    return 1 if report.failed else 0


def publish_raw(args: argparse.Namespace) -> int:
    """Make the open raw layer readable by RELANCE_ENGINE's dbt sources (COPY into PostgreSQL, views
    on Spark), e.g. before a `dbt build --target postgres|spark` by hand; the daily run does it itself."""
    from orchestration.resources import WarehouseResource

    warehouse = WarehouseResource(lake=str(args.lake) if args.lake else None)
    if warehouse.engine_name == "duckdb":
        print("RELANCE_ENGINE is duckdb: it reads raw.* in the warehouse, nothing to publish", file=sys.stderr)
        return 2
    for table, rows in warehouse.publish_raw().items():
        print(f"{table}: {rows} rows on {warehouse.engine_name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    hook = commands.add_parser("webhook", help=webhook.__doc__)
    hook.add_argument("--host", default="127.0.0.1")
    hook.add_argument("--port", type=int, default=8025)
    hook.add_argument("--events-dir", type=Path, help="default: $RELANCE_HOME/events")
    hook.set_defaults(run=webhook)
    send = commands.add_parser("deliver", help=deliver.__doc__)
    send.add_argument("--warehouse", required=True, type=Path)
    send.add_argument("--as-of", required=True, help="the extraction day whose plan is delivered")
    send.add_argument("--outbox-dir", type=Path, help="where dry-run .eml files go (default: beside the warehouse)")
    send.add_argument(
        "--reconcile-after-minutes",
        type=float,
        default=RECONCILE_AFTER.total_seconds() / 60,
        help="how long a message whose answer was lost waits for its webhook event before a resend",
    )
    send.set_defaults(run=deliver)
    publish = commands.add_parser("publish-raw", help=publish_raw.__doc__)
    publish.add_argument(
        "--lake", type=Path, help="the open raw layer (default: RELANCE_LAKE, else beside the warehouse)"
    )
    publish.set_defaults(run=publish_raw)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
