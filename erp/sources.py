"""Where a day's drop comes from: the embedded simulator (default), a drop root the user's ERP
writes to, or an adapter converting a real export. All three hand ingestion the same thing: a
folder ``<root>/YYYY-MM-DD/`` in the contract's layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from erp import adapters
from erp.folders import dated_folders
from erp.simulator import SimulationConfig, World


def yesterday_utc() -> date:
    """The latest complete extraction day: events are cut off at the end of a UTC day."""
    return datetime.now(UTC).date() - timedelta(days=1)


@dataclass
class ErpSource:
    kind: str  # "simulator", "drop" or "adapter"
    drop_root: Path
    simulator_root: Path | None = None
    simulator_size: dict = field(default_factory=dict)
    adapter: tuple[str, Path] | None = None
    retention_days: int = 35

    @property
    def owns_drops(self) -> bool:
        """Drops we generate may be pruned; a user's own drop root is never touched."""
        return self.kind != "drop"

    def partitions(self) -> list[str]:
        """The drop folders' dates; a folder named like an impossible date is skipped (warned)."""
        return [day.isoformat() for day, _ in dated_folders(self.drop_root)]

    def first_partition(self) -> str | None:
        """The earliest extraction date the source holds: its first drop folder; for the
        simulator, the start of its world's history (the configured one before the world exists);
        for an adapter that has converted nothing yet, its export's own date. None when unknown."""
        if self.kind == "simulator":
            try:
                config = World(self.simulator_root).config
            except FileNotFoundError:
                config = SimulationConfig(end=yesterday_utc(), **self.simulator_size)
            return config.start.isoformat()
        found = self.partitions()
        if found:
            return found[0]
        return self.latest_partition() if self.kind == "adapter" else None

    def latest_partition(self) -> str:
        if self.kind == "simulator":
            return yesterday_utc().isoformat()
        if self.kind == "adapter":
            return adapters.convert(*self.adapter, self.drop_root).name
        found = self.partitions()
        if not found:
            raise FileNotFoundError(f"no drop folder (YYYY-MM-DD) in RELANCE_ERP_DROP={self.drop_root}")
        return found[-1]

    def drop_dir(self, partition: str) -> Path:
        return self.drop_root / partition

    def prepare(self, partition: str, sends=None) -> Path:
        """Make sure the drop for ``partition`` exists and return its folder. ``sends`` (rows in
        the contract's contact_history shape) are the reminders the pipeline sent: the simulator
        applies them as it reaches the day, so its customers react to what Relance did."""
        day = date.fromisoformat(partition)
        if self.kind == "simulator":
            return self._simulate(day, sends)
        if self.kind == "adapter":
            folder = adapters.convert(*self.adapter, self.drop_root)
            if folder.name != partition:
                raise FileNotFoundError(
                    f"adapter {self.adapter[0]} produces the extraction of {folder.name}, "
                    f"not {partition}: materialize partition {folder.name}"
                )
            return folder
        folder = self.drop_dir(partition)
        if not folder.is_dir():
            latest = self.partitions()[-3:]
            raise FileNotFoundError(f"no drop folder {folder}; latest drops: {', '.join(latest) or 'none'}")
        return folder

    def _simulate(self, day: date, sends=None) -> Path:
        try:
            world = World(self.simulator_root)
        except FileNotFoundError:
            world = World.create(self.simulator_root, SimulationConfig(end=day, **self.simulator_size))
        world.prune_drops(self.retention_days)  # before emitting: a backfilled old day is kept
        if day > world.current_day:
            return world.advance(day, sends)
        folder = world.drop_root / day.isoformat()
        return folder if folder.is_dir() else world.emit(day)
