"""Command line: ``python -m erp.simulator --customers 1000 --months 24 --root DIR``.

``--large`` is the 100k-customer size (2M+ invoices over 24 months) that streams to disk.
``advance --day YYYY-MM-DD`` moves an existing world to a later day and emits its drop.
"""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from erp.simulator.world import SimulationConfig, World

LARGE = {"customers": 100_000, "months": 24, "invoices_per_month": 0.95}


def yesterday_utc() -> date:
    return datetime.now(UTC).date() - timedelta(days=1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m erp.simulator", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", choices=["create", "advance"], default="create")
    parser.add_argument("--root", type=Path, default=Path(".relance/simulator"), help="world folder")
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--months", type=int, default=24, help="months of history before --end")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--end", type=date.fromisoformat, default=None, help="first extraction date (default: yesterday, UTC)"
    )
    parser.add_argument("--future-days", type=int, default=365)
    parser.add_argument("--invoices-per-month", type=float, default=None)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--large", action="store_true", help="100k customers, 2M+ invoices")
    parser.add_argument("--day", type=date.fromisoformat, help="with `advance`: the day to move to")
    args = parser.parse_args(argv)
    if args.command == "advance":
        world = World(args.root)
        folder = world.advance(args.day or world.current_day + timedelta(days=1))
        print(f"world at {world.current_day}; drop written to {folder}")
        return
    sizes = LARGE if args.large else {"customers": args.customers, "months": args.months}
    if args.invoices_per_month is not None:
        sizes = sizes | {"invoices_per_month": args.invoices_per_month}
    config = SimulationConfig(
        end=args.end or yesterday_utc(), seed=args.seed, future_days=args.future_days, drop_format=args.format, **sizes
    )
    world = World.create(args.root, config, progress=True)
    print(
        f"world of {config.customers:,} customers created in {world.root}; "
        f"first drop: {world.drop_root / config.end.isoformat()}"
    )


if __name__ == "__main__":
    main()
