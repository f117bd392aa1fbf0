"""Kill delivery at random points, recover, and count what SendGrid received: exactly once or not.

Each round copies a warehouse holding a day's plan of a few e-mails, starts
``python -m orchestration.cli deliver`` against the local SendGrid server (tests/sendgrid_server.py) and
kills it with SIGKILL at a random point, one of three kinds drawn at random:

* ``after accept``: the server accepts the k-th message (and records its ``processed`` event)
  but never answers; the process is killed while waiting — between SendGrid's accept and our record;
* ``before accept``: the k-th request reaches the server, which never takes it, then the kill;
* ``timer``: a kill after a random delay within a full run's duration (imports, rendering, a
  commit, between requests...).

Recovery is what the next daily run does: the Event Webhook's events for what the server accepted
are landed and ingested (journeys/events.py), then delivery runs again once the reconciliation
wait has passed. Printed: rounds by kind, how the lost answers were settled, and over all rounds
the messages SendGrid accepted twice (duplicates) and never (lost) — both must be 0.

    python benchmarks/delivery_kills.py [--kills 100] [--messages 6] [--seed 11]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the local SendGrid server and the test warehouse live in tests/

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402

from journeys import catalog, delivery, events, outcomes  # noqa: E402
from journeys.sendgrid_client import SendGridSender  # noqa: E402
from tests.sendgrid_server import SendGridServer  # noqa: E402
from tests.test_journeys_delivery import warehouse  # noqa: E402

KINDS = ("after accept", "before accept", "timer")


def kill_one(command: list[str], env: dict, server: SendGridServer, kind: str, k: int, delay: float) -> None:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if kind == "timer":
        time.sleep(delay)
    elif not server.hanging.wait(120):
        raise RuntimeError(f"the {k}-th request never came")
    process.send_signal(signal.SIGKILL)
    process.wait(30)


def recover(path: Path, server: SendGridServer, events_dir: Path, as_of: str, round_: int) -> Counter:
    """The next run: land and ingest what the Event Webhook posted, then deliver after the wait."""
    folder = events_dir / as_of
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{round_:04d}.json").write_bytes(server.events_body())
    with duckdb.connect(str(path)) as con:
        events.ingest(con, events_dir)
        later = datetime.now(UTC) + outcomes.RECONCILE_AFTER
        delivery.deliver(con, SendGridSender("SG.bench", host=server.host), catalog.load_branding(), as_of, now=later)
        again = delivery.deliver(
            con, SendGridSender("SG.bench", host=server.host), catalog.load_branding(), as_of, now=later
        )
        statuses = Counter(s for (s,) in con.execute("select status from journeys.outbox").fetchall())
        decided = Counter(d for (d,) in con.execute("select decision from journeys.delivery_decisions").fetchall())
    if again.sent:
        raise RuntimeError("a second recovery sent again")
    return Counter({f"status {k}": v for k, v in statuses.items()}) + decided


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--messages", type=int, default=6)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="relance-kills-"))
    server = SendGridServer()
    as_of = pd.Timestamp(datetime.now(UTC).date())
    send_at = pd.Timestamp.now(tz="UTC").tz_localize(None) + pd.Timedelta(hours=2)
    warehouse(work / "template.duckdb", as_of, send_at, args.messages).close()
    env = os.environ | {"SENDGRID_API_KEY": "SG.bench", "SENDGRID_HOST": server.host}
    planned = {f"rl-test-{i:02d}" for i in range(args.messages)}

    shutil.copy(work / "template.duckdb", work / "clean.duckdb")  # a full run, to time the random kills
    started = time.monotonic()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "deliver",
            "--warehouse",
            str(work / "clean.duckdb"),
            "--as-of",
            str(as_of.date()),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    full_run = time.monotonic() - started

    kinds, outcome, duplicates, lost = Counter(), Counter(), 0, 0
    started = time.monotonic()
    for round_ in range(args.kills):
        kind, k = rng.choice(KINDS), rng.randint(1, args.messages)
        path = work / f"round-{round_:03d}.duckdb"
        shutil.copy(work / "template.duckdb", path)
        server.reset(
            accept_then_hang_at=k if kind == "after accept" else None, hang_at=k if kind == "before accept" else None
        )
        command = [
            sys.executable,
            "-m",
            "orchestration.cli",
            "deliver",
            "--warehouse",
            str(path),
            "--as-of",
            str(as_of.date()),
        ]
        kill_one(command, env, server, kind, k, rng.uniform(0, full_run))
        outcome += recover(path, server, work / f"events-{round_:03d}", str(as_of.date()), round_)
        kinds[kind] += 1
        duplicates += len(server.accepted) - len(set(server.accepted))
        lost += len(planned - set(server.accepted))
        path.unlink()
    server.close()
    shutil.rmtree(work, ignore_errors=True)

    print(
        f"{args.kills} kills of delivery ({args.messages} e-mails each; a full run takes {full_run:.1f} s), "
        f"{time.monotonic() - started:.0f} s in all"
    )
    print("kill points: " + ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS))
    print(
        "lost answers: {} in doubt after the kill, {} settled as sent from processed events, {} resent after "
        "the wait without an event".format(
            outcome["in_doubt"], outcome["reconciled_sent"], outcome["resend_after_wait"]
        )
    )
    print(
        "outbox after recovery: "
        + ", ".join(f"{k[7:]} {v}" for k, v in sorted(outcome.items()) if k.startswith("status "))
    )
    print(f"duplicates: {duplicates}")
    print(f"lost: {lost}")
    return 0 if duplicates == lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
