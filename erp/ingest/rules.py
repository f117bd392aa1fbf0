"""SQL for the contract's row-level rules: how each column is typed, and each reason a row is
quarantined for.

Every rule is evaluated in DuckDB over the whole file at once (vectorised, out of core), never
row by row in Python, so that a 2-million-row file validates in seconds.
"""

from __future__ import annotations

from erp import codes
from erp.contract import Column, Table

SQL_TYPES = {
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "money": "DECIMAL(18,2)",
    "rate": "DECIMAL(18,8)",
    "int": "INTEGER",
    "bool": "BOOLEAN",
}
EMAIL_PATTERN = r"[^@\s]+@[^@\s]+\.[^@\s.]+"
TIMESTAMP_PATTERN = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_list(values) -> str:
    return "(" + ", ".join(literal(v) for v in sorted(values)) + ")"


def sql_type(column: Column) -> str:
    return SQL_TYPES.get(column.kind, "VARCHAR")


def raw_text(refs: dict[str, str], name: str) -> str:
    """The trimmed raw text of column ``name`` (``refs`` maps the file's columns to SQL), NULL
    when empty or absent from the file: empty strings count as missing values."""
    return f"nullif(trim({refs[name]}), '')" if name in refs else "NULL::VARCHAR"


def typed_expression(column: Column, refs: dict[str, str]) -> str:
    """SQL turning the column's raw text into the contract type; NULL when it does not parse.

    Codes are normalised to their canonical case.
    """
    raw = raw_text(refs, column.name)
    kind = column.kind
    if kind == "date":
        expr = f"case when regexp_full_match({raw}, '\\d{{4}}-\\d{{2}}-\\d{{2}}') then try_cast({raw} as DATE) end"
    elif kind == "timestamp":
        expr = (
            f"case when regexp_full_match({raw}, '{TIMESTAMP_PATTERN}') "
            f"then timezone('UTC', try_cast({raw} as TIMESTAMPTZ)) end"
        )
    elif kind == "money":
        expr = (
            f"case when regexp_full_match({raw}, '[+-]?\\d{{1,16}}(\\.\\d{{1,2}})?') "
            f"then cast({raw} as DECIMAL(18,2)) end"
        )
    elif kind == "rate":
        expr = (
            f"case when regexp_full_match({raw}, '\\d{{1,10}}(\\.\\d{{1,8}})?') then cast({raw} as DECIMAL(18,8)) end"
        )
    elif kind == "int":
        expr = f"case when regexp_full_match({raw}, '[+-]?\\d{{1,9}}') then cast({raw} as INTEGER) end"
    elif kind == "bool":
        expr = (
            f"case lower({raw}) when 'true' then true when '1' then true "
            f"when 'false' then false when '0' then false end"
        )
    elif kind in ("country", "currency"):
        expr = f"upper({raw})"
    elif kind == "lang":
        expr = f"lower({raw})"
    else:
        expr = raw
    return _with_default(column, expr, refs)


def _with_default(column: Column, expr: str, refs: dict[str, str]) -> str:
    if column.default is None:
        return expr
    if column.default == "from_country":
        zones = ", ".join(f"{literal(c)}: {literal(z)}" for c, z in sorted(codes.country_zones().items()))
        return f"coalesce({expr}, MAP {{{zones}}}[upper({raw_text(refs, 'country')})])"
    return f"coalesce({expr}, {literal(column.default)})"


def value_reasons(column: Column, refs: dict[str, str]) -> list[str]:
    """SQL expressions, one per rule on this column's value, each NULL or the reason text."""
    name, kind = column.name, column.kind
    raw = raw_text(refs, name)
    typed = f"t.{quote(name)}"
    reasons = []
    if column.required:
        reasons.append((f"{typed} is null and {raw} is null", f"missing required value: {name}"))
    if kind in SQL_TYPES:
        reasons.append((f"{raw} is not null and {typed} is null", f"wrong type: {name} is not a valid {kind}"))
    check = {
        "country": (codes.countries, f"unknown country code in {name}"),
        "currency": (codes.currencies, f"unknown currency code in {name}"),
        "lang": (codes.languages, f"unknown language code in {name}"),
        "tz": (codes.time_zones, f"unknown time zone in {name}"),
    }.get(kind)
    if check:
        reasons.append((f"{typed} is not null and {typed} not in {_in_list(check[0]())}", check[1]))
    if kind == "enum":
        reasons.append(
            (
                f"{typed} is not null and {typed} not in {_in_list(column.values)}",
                f"unknown value in {name} (allowed: {', '.join(column.values)})",
            )
        )
    if kind == "email":
        reasons.append(
            (
                f"{typed} is not null and not regexp_full_match({typed}, '{EMAIL_PATTERN}')",
                f"invalid e-mail address in {name}",
            )
        )
    if column.positive:
        reasons.append((f"{typed} <= 0", f"non-positive {name}"))
    if column.min_value is not None:
        reasons.append((f"{typed} < {column.min_value}", f"{name} below {column.min_value:g}"))
    if column.max_value is not None:
        reasons.append((f"{typed} > {column.max_value}", f"{name} above {column.max_value:g}"))
    return [f"case when {cond} then {literal(reason)} end" for cond, reason in reasons]


def key_duplicates(table: Table) -> str | None:
    """Later rows repeating an earlier row's key; the first occurrence is kept."""
    if not table.key:
        return None
    key = ", ".join(f"t.{quote(k)}" for k in table.key)
    shown = ", ".join(table.key)
    return (
        f"select _line, 'duplicate ' || {literal(shown)} || ' (first at line ' || "
        f"min(_line) over (partition by {key}) || ')' as reason from typed t "
        f"qualify row_number() over (partition by {key} order by _line) > 1"
    )


def parent_key(parent: Table) -> str:
    return parent.key[0]
