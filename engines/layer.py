"""What the open raw layer holds: one folder per table, Hive partitions below it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Partitioned:
    """``<root>/<schema>/<table>/<key>=<value>/*.parquet``."""

    schema: str
    table: str
    key: str
    folder: Path

    @property
    def values(self) -> list[str]:
        return sorted(p.name.split("=", 1)[1] for p in self.folder.glob(f"{self.key}=*") if p.is_dir())

    def files(self, value: str) -> list[Path]:
        return sorted((self.folder / f"{self.key}={value}").glob("*.parquet"))


def partitioned_tables(root: Path, schemas: tuple[str, ...] = ("raw",)) -> list[Partitioned]:
    """Every partitioned table of the layer under ``root`` in the given schemas."""
    found = []
    for schema in schemas:
        for folder in sorted(p for p in (root / schema).glob("*") if p.is_dir() and not p.name.startswith(".")):
            keys = {p.name.split("=", 1)[0] for p in folder.iterdir() if "=" in p.name and not p.name.startswith(".")}
            if len(keys) != 1:
                raise ValueError(f"{folder}: expected one Hive partition key, found {sorted(keys) or 'none'}")
            found.append(Partitioned(schema, folder.name, keys.pop(), folder))
    return found
