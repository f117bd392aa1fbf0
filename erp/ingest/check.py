"""The contract's row-level checks over a staged file: every column typed, and for every row
the list of reasons it breaks the contract (values, duplicate keys, orphans, rules involving the
parent row, checked against the parents loaded for the same extraction)."""

from __future__ import annotations

from erp.contract import TABLES, Table
from erp.ingest import rules
from erp.ingest.files import TableFile
from erp.ingest.rules import literal, quote
from erp.ingest.stage import Staged


def check_rows(con, table: Table, staged: Staged, partition: str) -> list[str]:
    """Create the temp table ``checked`` (typed columns, extras ``x_<i>``, ``_reasons``) and
    return the checks skipped because a parent table is not in this extraction."""
    refs = staged.refs()
    typed = ", ".join(f"{rules.typed_expression(c, refs)} as {quote(c.name)}" for c in table.columns)
    con.execute(f"create temp table typed as select s._line, {typed} from {staged.name} s")
    reason_exprs = [r for c in table.columns for r in rules.value_reasons(c, refs)]
    skipped: list[str] = []
    joins = _relation_checks(con, table, partition, skipped, reason_exprs)
    extra_cols = "".join(f", {refs[c]} as x_{i}" for i, c in enumerate(extra_columns(table, staged.file)))
    con.execute(f"""
        create temp table checked as
        select t.* {extra_cols},
               list_filter([{", ".join(reason_exprs)}], lambda x: x is not null) as _reasons
        from typed t join {staged.name} s on s._line = t._line {" ".join(joins)}""")
    con.execute("drop table typed")
    return skipped


def raw_row(staged: Staged) -> str:
    """The file's row as it was written, as a JSON object (through the alias ``s`` of the staged
    file): what a reject keeps. Built for the rejected rows only: for every row it took a fifth
    of a clean day's ingestion."""
    refs = staged.refs()
    return "json_object(" + ", ".join(f"{literal(c)}, {refs[c]}" for c in staged.file.columns) + ")"


def extra_columns(table: Table, file: TableFile) -> list[str]:
    """Columns beyond the contract (whatever their name): kept in the raw layer as JSON, ignored
    downstream."""
    return [c for c in file.columns if c not in table.column_names]


def reason_counts(con) -> dict[str, int]:
    """How many checked rows each reason rejects (a duplicate's first line is left out, so that
    equal reasons count together)."""
    counts: dict[str, int] = {}
    for reasons, n in con.execute(
        "select _reasons, count(*) from checked where len(_reasons) > 0 group by all"
    ).fetchall():
        for reason in reasons:
            key = reason.split(" (first at line")[0]
            counts[key] = counts.get(key, 0) + n
    return counts


def _relation_checks(con, table: Table, partition: str, skipped: list[str], reasons: list[str]) -> list[str]:
    """Duplicate keys, orphan foreign keys and rules involving the parent row: returns the joins
    and appends their reason expressions to ``reasons``."""
    joins = []
    dup = rules.key_duplicates(table)
    if dup:
        joins.append(f"left join ({dup}) dup on dup._line = t._line")
        reasons.append("dup.reason")
    part = literal(partition)
    for column in table.columns:
        if not column.references:
            continue
        parent = TABLES[column.references]
        if not _parent_loaded(con, parent, partition):
            skipped.append(f"{column.name}: {parent.name} not in this extraction")
            continue
        alias = f"fk_{column.name}"
        key = quote(rules.parent_key(parent))
        joins.append(
            f"left join (select distinct {key} as k from raw.{parent.name} "
            f"where _partition = {part}) {alias} on {alias}.k = t.{quote(column.name)}"
        )
        reasons.append(
            f"case when t.{quote(column.name)} is not null and {alias}.k is null then "
            f"{literal(f'orphan {column.name}: not in {parent.name} of this extraction')} end"
        )
    for i, rule in enumerate(table.rules):
        if rule.parent and not _parent_loaded(con, TABLES[rule.parent], partition):
            skipped.append(f"{rule.reason}: {rule.parent} not in this extraction")
            continue
        parent_join = ""
        if rule.parent:
            pkey = quote(rules.parent_key(TABLES[rule.parent]))
            parent_join = (
                f"join (select * from raw.{rule.parent} where _partition = {part}) p on p.{pkey} = t.{quote(rule.fk)}"
            )
        joins.append(
            f"left join (select t._line, ({rule.violated}) as bad from typed t {parent_join}) "
            f"rule_{i} on rule_{i}._line = t._line"
        )
        reasons.append(f"case when rule_{i}.bad then {literal(rule.reason)} end")
    return joins


def _parent_loaded(con, parent: Table, partition: str) -> bool:
    """Whether the parent's file was part of this extraction (an empty snapshot still counts)."""
    return (
        con.execute(
            "select count(*) from raw.load_log where table_name = ? and partition_date = ? and source_file is not null",
            [parent.name, partition],
        ).fetchone()[0]
        > 0
    )
