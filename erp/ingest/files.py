"""Whole-file checks on a drop folder, made before any row is loaded.

A file that cannot be read as the contract says (wrong encoding or delimiter, no header, missing
required columns) is an error that names the file and the problem: loading part of it would
silently lose rows. Every file of the drop is checked, so that one report lists them all.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

from erp.contract import TABLES, Table
from erp.ingest.errors import DropErrors, DropFileError, redact

FORMATS = ("csv", "parquet")
_CHUNK = 1 << 22
_OTHER_DELIMITERS = (";", "\t", "|")
_NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True)
class TableFile:
    table: Table
    path: Path
    format: str
    columns: tuple[str, ...]


def find_table_file(drop_dir: Path, table: str) -> Path | None:
    """The file holding ``table`` in a drop folder, or None when the drop does not include it."""
    found = [drop_dir / f"{table}.{fmt}" for fmt in FORMATS if (drop_dir / f"{table}.{fmt}").exists()]
    if len(found) > 1:
        raise DropFileError(drop_dir, f"both {found[0].name} and {found[1].name} exist: keep one")
    return found[0] if found else None


def inspect_file(table: Table, path: Path) -> TableFile:
    """Check that ``path`` can be loaded as ``table`` and return its format and columns."""
    fmt = path.suffix.lstrip(".")
    columns = _parquet_columns(path) if fmt == "parquet" else _csv_header(path)
    missing = [c for c in table.required_columns if c not in columns]
    if missing:
        raise DropFileError(
            path, f"missing required column(s) {', '.join(missing)} (the file has: {shown_names(columns)})"
        )
    return TableFile(table, path, fmt, tuple(columns))


def check_drop(drop_dir: Path) -> dict[str, TableFile]:
    """Check the header of every contract file of a drop folder; raise :class:`DropErrors`
    listing every whole-file problem found."""
    files, problems = inspect_drop(drop_dir)
    if problems:
        raise DropErrors(drop_dir, problems)
    return files


def inspect_drop(drop_dir: Path) -> tuple[dict[str, TableFile], list[DropFileError]]:
    """The drop's readable files and the problems of the others (a missing required file
    included)."""
    if not drop_dir.is_dir():
        raise DropFileError(drop_dir, "drop folder does not exist")
    files, problems = {}, []
    for name, table in TABLES.items():
        try:
            path = find_table_file(drop_dir, name)
            if path is None:
                if table.required:
                    raise DropFileError(
                        drop_dir / f"{name}.csv",
                        "required table file is missing (expected <table>.csv or <table>.parquet)",
                    )
                continue
            files[name] = inspect_file(table, path)
        except DropFileError as err:
            problems.append(err)
    return files, problems


def shown_names(columns: list[str]) -> str:
    """Header names fit to print: a file exported without its header row has a data row there
    (names, e-mail addresses), so only names that look like column names are shown."""
    shown = [c for c in columns if _NAME_LIKE.fullmatch(c)]
    hidden = len(columns) - len(shown)
    if hidden:
        shown.append(f"{hidden} more not shown, as they do not look like column names: is the header row missing?")
    return ", ".join(shown)


def _csv_header(path: Path) -> list[str]:
    if path.stat().st_size == 0:
        raise DropFileError(path, "empty file (0 bytes): expected a header row")
    _check_utf8(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first_line = handle.readline()
    if not first_line.strip():
        raise DropFileError(path, "empty file: the first line should be the header row")
    header = next(csv.reader([first_line]))
    if len(header) == 1:
        used = [d for d in _OTHER_DELIMITERS if d in first_line]
        if used:
            raise DropFileError(
                path, f"wrong delimiter: the header is separated by {used[0]!r}, the contract requires ','"
            )
    columns = [c.strip() for c in header]
    blank = [i + 1 for i, c in enumerate(columns) if not c]
    if blank:
        raise DropFileError(path, f"header has an empty column name at position(s) {blank}")
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise DropFileError(path, f"header repeats column(s) {shown_names(duplicated)}")
    return columns


def _check_utf8(path: Path) -> None:
    """Stream the file through a strict UTF-8 decoder, reporting the first bad byte's line."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    line, offset = 1, 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                bad_line = line + chunk[: err.start].count(b"\n")
                raise DropFileError(
                    path,
                    f"wrong encoding: byte {offset + err.start} (line "
                    f"{bad_line}) is not UTF-8; re-export the file as UTF-8",
                ) from None
            line += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise DropFileError(path, "wrong encoding: the file ends inside a UTF-8 character") from None


def _parquet_columns(path: Path) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except Exception as err:  # pyarrow raises several types for unreadable files
        raise DropFileError(path, f"unreadable Parquet file ({type(err).__name__}: {redact(str(err))})") from None
