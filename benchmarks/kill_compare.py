"""Compare two RELANCE_HOMEs that ran the same simulated days (the kill soak's clean and killed
copies): every warehouse table, the dry-run outbox, the BI exports and the simulated ERP's
contact history.

Rows are compared as multisets (order-insensitive, duplicates counted). Left out, because they
legitimately differ between two runs of the same day and say nothing about what was computed:

* ``WALL_CLOCK_COLUMNS``: when a process wrote a row (load and planning times, the cockpit's
  and the load log's timings), not which row it wrote;
* the copy's own RELANCE_HOME in paths (the raw tables' ``_source_file`` lineage, the load log,
  report paths): replaced by ``<home>``;
* portal link tokens in e-mails: Fernet tokens carry a random IV and their issue time, so two
  renderings of one link differ by design. Each is replaced by the customer it opens the portal
  for (decrypted with the copies' shared secret), which is what must match;
* MIME boundaries of the .eml files (random per message by the e-mail library);
* the last bits of floating-point values: DuckDB's parallel aggregates (a standard deviation in
  dim_customer_360) add in no fixed order, so two clean runs differ around 1e-15. DOUBLE and
  FLOAT values are compared rounded to ``DECIMALS`` places.
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import duckdb

# table name (any schema) → columns holding wall-clock times or timings of the process
WALL_CLOCK_COLUMNS = {
    "*": {"_loaded_at"},  # raw lineage: when the day's load ran
    "load_log": {"loaded_at", "seconds"},
    "outbox": {"created_at"},  # when the plan queued the message (its send_at is the simulated clock)
    "dunning_blocks": {"created_at"},
    "drift_reports": {"recorded_at"},  # when a day's drift was recorded (with trained champions)
}
DECIMALS = 9
TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_\-=]+")


def compare_homes(clean: Path, soak: Path, secret: str | None = None) -> dict[str, int]:
    """Differing rows per compared thing (``warehouse <schema>.<table>`` for each table that
    differs, then totals); all zero when the soak copy equals the clean one."""
    from benchmarks.kill_soak import PORTAL_SECRET

    links = _links(secret or PORTAL_SECRET)
    found = warehouse_differences(clean / "warehouse.duckdb", soak / "warehouse.duckdb", links)
    differing = {f"warehouse {t}": n for t, n in found.items() if n}
    return differing | {
        f"warehouse: all {len(found)} tables": sum(found.values()),
        "outbox (.eml files)": outbox_differences(clean / "outbox", soak / "outbox", links),
        "exports (Parquet marts, contact lists, call tasks)": exports_differences(clean / "exports", soak / "exports"),
        "contact history (simulated ERP)": world_differences(clean / "simulator", soak / "simulator"),
    }


def _links(secret: str):
    from portal.security import Links

    links = Links(secret)
    return lambda text: TOKEN.sub(lambda m: f"<link of {links.customer_of(m.group(0))[0]}>", text)


def _tables(con, db: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_schema, table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? order by table_schema, table_name, ordinal_position",
        [db],
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for schema, table, column, kind in rows:
        tables.setdefault(f"{schema}.{table}", []).append((column, kind))
    return tables


def warehouse_differences(clean: Path, soak: Path, links) -> dict[str, int]:
    """Rows in one copy's table and not the other's (both ways), per table of either copy."""
    con = duckdb.connect()
    con.create_function("unlink", links, ["VARCHAR"], "VARCHAR")
    con.execute(f"attach '{clean}' as clean (read_only)")
    con.execute(f"attach '{soak}' as soak (read_only)")
    a, b = _tables(con, "clean"), _tables(con, "soak")
    found = {}
    for name in sorted(a.keys() | b.keys()):
        if a.get(name) != b.get(name):  # a table or a column in one copy only: every row differs
            found[name] = sum(_count(con, f"{db}.{name}") for db, t in (("clean", a), ("soak", b)) if name in t)
            continue
        skip = WALL_CLOCK_COLUMNS["*"] | WALL_CLOCK_COLUMNS.get(name.split(".")[1], set())
        kept = [(c, kind) for c, kind in a[name] if c not in skip]
        rows = {db: _rows(kept, f"{db}.{name}", home.parent) for db, home in (("clean", clean), ("soak", soak))}
        found[name] = sum(
            con.execute(f"select count(*) from ({rows[x]} except all {rows[y]})").fetchone()[0]
            for x, y in (("clean", "soak"), ("soak", "clean"))
        )
    con.close()
    return found


def _rows(columns: list[tuple[str, str]], table: str, home: Path) -> str:
    """A select of the compared columns, text normalised (the copy's home, link tokens)."""
    return f"select {', '.join(_normalised(c, kind, home) for c, kind in columns)} from {table}"


def _normalised(column: str, kind: str, home: Path | None = None) -> str:
    if kind == "VARCHAR" and home is not None:
        return f"unlink(replace(\"{column}\", '{home}', '<home>')) as \"{column}\""
    if kind in ("DOUBLE", "FLOAT"):
        return f'round("{column}", {DECIMALS}) as "{column}"'
    return f'"{column}"'


def _count(con, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchone()[0]


def outbox_differences(clean: Path, soak: Path, links) -> int:
    """.eml files present in one outbox only, or whose headers or parts differ."""
    a, b = _emails(clean, links), _emails(soak, links)
    return sum(1 for name in a.keys() | b.keys() if a.get(name) != b.get(name))


def _emails(folder: Path, links) -> dict[str, tuple]:
    out = {}
    for path in sorted(folder.rglob("*.eml")) if folder.is_dir() else []:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        headers = tuple((k, links(str(v))) for k, v in message.items() if k.lower() != "content-type")
        parts = tuple(
            (part.get_content_type(), links(part.get_content())) for part in message.walk() if not part.is_multipart()
        )
        out[str(path.relative_to(folder))] = (headers, parts)
    return out


def exports_differences(clean: Path, soak: Path) -> int:
    """Rows of the BI exports in one copy's file and not the other's; a file one copy lacks counts 1."""
    a, b = ({str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} for root in (clean, soak))
    con, n = duckdb.connect(), len(a ^ b)
    for name in sorted(a & b):
        read = "read_parquet('{}')" if name.endswith(".parquet") else "read_csv('{}', all_varchar = true)"
        x, y = read.format(clean / name), read.format(soak / name)
        columns = ", ".join(
            _normalised(c, kind) for c, kind, *_ in con.execute(f"describe select * from {x}").fetchall()
        )
        x, y = (f"(select {columns} from {r})" for r in (x, y))
        n += sum(
            con.execute(f"select count(*) from (select * from {p} except all select * from {q})").fetchone()[0]
            for p, q in ((x, y), (y, x))
        )
    con.close()
    return n


def world_differences(clean: Path, soak: Path) -> int:
    """The simulated ERP's contact history (what it recorded of every reminder), both ways."""
    con = duckdb.connect()
    con.execute(f"attach '{clean / 'world.duckdb'}' as clean (read_only)")
    con.execute(f"attach '{soak / 'world.duckdb'}' as soak (read_only)")
    n = sum(
        con.execute(
            f"select count(*) from (select * from {x}.contact_history except all select * from {y}.contact_history)"
        ).fetchone()[0]
        for x, y in (("clean", "soak"), ("soak", "clean"))
    )
    con.close()
    return n
