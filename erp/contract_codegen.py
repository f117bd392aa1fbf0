"""dbt's YAML for the ERP source and its staging models, generated from the contract.

dbt needs its source and test declarations on disk, so they are written from ``erp/contract.py``
by ``python -m erp.contract_codegen`` (``--check`` only reports drift) rather than restated by
hand; ``tests/test_contract_codegen.py`` fails when the committed files differ from what the
contract generates. The staging SQL stays hand-written (it is where the warehouse names its
columns), and :func:`staging_drift` checks that it selects every contract column under the name
the contract's ``staged_as`` gives it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from erp.contract import CONTRACT_VERSION, TABLES, Column, RowRule, Table
from erp.ingest.rules import sql_type

STAGING_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "staging" / "erp"
SOURCES_FILE, MODELS_FILE = "_erp__sources.yml", "_erp__models.yml"
HEADER = (
    f"# Generated from erp/contract.py (contract {CONTRACT_VERSION}) by `python -m erp.contract_codegen`:\n"
    "# edit the contract and regenerate; tests/test_contract_codegen.py fails when this file drifts.\n"
)
SOURCE = {
    "name": "erp",
    "description": "The raw layer loaded by ingestion: one full ERP snapshot per extraction date (`_partition`), "
    "rows that broke the contract already quarantined in raw.rejects. Contract tests (keys, "
    "relationships, accepted values) run on the staging models, which read one snapshot: on the "
    "source they would compare rows across snapshots.",
    "schema": "raw",
    "loaded_at_field": "_loaded_at",
    "freshness": {"warn_after": {"count": 36, "period": "hour"}, "error_after": {"count": 72, "period": "hour"}},
}


# The smallest value a positive column can hold: a cent, or a rate's eighth decimal place.
SMALLEST_POSITIVE = {"rate": 0.00000001}


def model_name(table: str) -> str:
    return f"stg_erp__{table}"


def describe(column: Column) -> str:
    """The column's contract rules in words, as its dbt documentation."""
    rules = [
        (column.unique, "unique"),
        (column.default is not None, f"default {column.default}"),
        (column.positive, "> 0"),
        (column.min_value is not None, f">= {column.min_value}"),
        (column.max_value is not None, f"<= {column.max_value}"),
        (bool(column.values), f"one of {', '.join(column.values)}"),
        (bool(column.references), f"references {column.references}"),
    ]
    facts = [column.kind, "required" if column.required else "optional"] + [text for holds, text in rules if holds]
    return f"Contract column `{column.name}`: " + "; ".join(facts) + "."


def column_tests(column: Column, in_key: bool = False) -> list:
    """Keys, references, value sets and ranges: what downstream joins and filters rely on. A
    plain required column gets no not_null test (ingestion quarantined its nulls; its
    description says it is required), which keeps a daily run's dbt tests few."""
    identity = in_key or column.unique or column.references is not None
    tests: list = ["unique"] * column.unique + ["not_null"] * (identity and column.required)
    if column.references:
        parent = TABLES[column.references]
        test = {
            "arguments": {"to": f"ref('{model_name(parent.name)}')", "field": parent.column(parent.key[0]).staged_name}
        }
        if not parent.required:
            # Ingestion checks this key only when the parent's optional file is in the drop.
            test["config"] = {"severity": "warn"}
        tests.append({"relationships": test})
    if column.values:
        tests.append({"accepted_values": {"arguments": {"values": list(column.values)}}})
    low = SMALLEST_POSITIVE.get(column.kind, 0.01) if column.positive else column.min_value
    if low is not None or column.max_value is not None:
        bounds = {"min_value": low, "max_value": column.max_value}
        tests.append({"accepted_range": {"arguments": {k: v for k, v in bounds.items() if v is not None}}})
    return tests


def staged_rule(table: Table, rule: RowRule) -> str | None:
    """A row rule as a staging-model expression that must hold, or None when it needs the parent
    row or a window (ingestion alone can check those)."""
    if rule.parent or " over " in rule.violated:
        return None
    renamed = re.sub(r"\bt\.(\w+)", lambda m: table.column(m.group(1)).staged_name, rule.violated)
    return f"not ({renamed})"


def model_tests(table: Table) -> list:
    tests = [
        {"expression_is_true": {"arguments": {"expression": e}}}
        for e in (staged_rule(table, r) for r in table.rules)
        if e
    ]
    if len(table.key) > 1:
        keys = [
            c.staged_name if c.required else f"coalesce({c.staged_name}, '')"
            for c in (table.column(k) for k in table.key)
        ]
        tests.append({"unique_combination": {"arguments": {"columns": keys}}})
    return tests


def sources_yaml(tables: dict[str, Table]) -> dict:
    entries = [
        {
            "name": t.name,
            "description": f"The contract's {t.name}, one snapshot per extraction date.",
            "meta": {"dagster": {"asset_key": ["raw", t.name]}},
            "columns": [{"name": c.name, "data_type": sql_type(c), "description": describe(c)} for c in t.columns],
        }
        for t in tables.values()
    ]
    return {"version": 2, "sources": [SOURCE | {"tables": entries}]}


def models_yaml(tables: dict[str, Table]) -> dict:
    models = []
    for t in tables.values():
        model = {"name": model_name(t.name), "description": t.description}
        if tests := model_tests(t):
            model["data_tests"] = tests
        model["columns"] = [
            {"name": c.staged_name, "description": describe(c)}
            | ({"data_tests": tests} if (tests := column_tests(c, c.name in t.key)) else {})
            for c in t.columns
        ]
        models.append(model)
    return {"version": 2, "models": models}


def render(tables: dict[str, Table] | None = None) -> dict[str, str]:
    """File name -> the text the contract generates for it."""
    tables = tables or TABLES
    return {SOURCES_FILE: _dump(sources_yaml(tables)), MODELS_FILE: _dump(models_yaml(tables))}


def _dump(doc: dict) -> str:
    return HEADER + yaml.safe_dump(doc, sort_keys=False, width=120, default_flow_style=None, allow_unicode=True)


def select_list(sql: str) -> dict[str, str]:
    """Alias -> expression of a staging model's ``renamed`` select list (one column per line)."""
    body = re.search(r"renamed as \(\s*select(.*?)\bfrom source", sql, re.DOTALL | re.IGNORECASE)
    items = {}
    for line in (body.group(1) if body else "").splitlines():
        line = line.strip().rstrip(",")
        if line:
            expr, _, alias = line.rpartition(" as ")
            items[alias.strip()] = expr.strip() or alias.strip()
    return items


def staging_drift(folder: Path = STAGING_DIR, tables: dict[str, Table] | None = None) -> list[str]:
    """Contract columns a staging model does not select under their ``staged_as`` name."""
    problems = []
    for t in (tables or TABLES).values():
        path = folder / f"{model_name(t.name)}.sql"
        selected = select_list(path.read_text(encoding="utf-8")) if path.exists() else {}
        for c in t.columns:
            expr = selected.get(c.staged_name)
            if expr is None or not re.search(rf"\b{re.escape(c.name)}\b", expr):
                problems.append(f"{path.name}: select {c.name} as {c.staged_name} (contract {t.name}.{c.name})")
    return problems


def drift(folder: Path = STAGING_DIR) -> list[str]:
    """Generated files that differ from the committed ones, then staging SQL problems."""
    stale = [
        f"{name} differs from what the contract generates"
        for name, text in render().items()
        if not (folder / name).exists() or (folder / name).read_text(encoding="utf-8") != text
    ]
    return stale + staging_drift(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report drift, write nothing")
    parser.add_argument("--dir", type=Path, default=STAGING_DIR)
    args = parser.parse_args(argv)
    if not args.check:
        for name, text in render().items():
            (args.dir / name).write_text(text, encoding="utf-8")
    problems = drift(args.dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
