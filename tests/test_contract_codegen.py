"""The contract is the one place: dbt's source and staging YAML are what it generates, and a
renamed contract column moves the dbt tests, the staging check and the GX suites with it."""

from __future__ import annotations

import re
from dataclasses import replace

import yaml

from data_quality import validate_table
from data_quality.suites import suite_for
from erp import contract_codegen
from erp.contract import TABLES
from erp.ingest import load_table
from tests.conftest import INVOICES_CSV, write_csv


def renamed(table: str, old: str, new: str):
    """The contract table with column ``old`` called ``new`` everywhere the contract names it."""
    t = TABLES[table]
    return replace(
        t,
        columns=tuple(replace(c, name=new) if c.name == old else c for c in t.columns),
        key=tuple(new if k == old else k for k in t.key),
        rules=tuple(replace(r, violated=re.sub(rf"\bt\.{old}\b", f"t.{new}", r.violated)) for r in t.rules),
        event_time=new if t.event_time == old else t.event_time,
    )


def staging_model(text: str, name: str) -> dict:
    return next(m for m in yaml.safe_load(text)["models"] if m["name"] == name)


def test_committed_dbt_yaml_is_what_the_contract_generates(tmp_path):
    assert contract_codegen.drift() == []
    for sql in contract_codegen.STAGING_DIR.glob("*.sql"):
        (tmp_path / sql.name).write_text(sql.read_text())
    assert contract_codegen.main(["--dir", str(tmp_path)]) == 0
    for name in (contract_codegen.SOURCES_FILE, contract_codegen.MODELS_FILE):
        assert (tmp_path / name).read_text() == (contract_codegen.STAGING_DIR / name).read_text()
    (tmp_path / contract_codegen.MODELS_FILE).write_text("version: 2\n")
    assert contract_codegen.main(["--check", "--dir", str(tmp_path)]) == 1


def test_generated_tests_restate_the_contract():
    models = yaml.safe_load(contract_codegen.render()[contract_codegen.MODELS_FILE])["models"]
    by_column = {(m["name"], c["name"]): c.get("data_tests", []) for m in models for c in m["columns"]}
    assert by_column[("stg_erp__invoices", "invoice_id")] == ["unique", "not_null"]
    assert {
        "accepted_values": {"arguments": {"values": list(TABLES["payments"].column("method").values)}}
    } in by_column[("stg_erp__payments", "payment_method")]
    assert by_column[("stg_erp__email_events", "message_id")][1]["relationships"]["config"] == {"severity": "warn"}
    invoices = next(m for m in models if m["name"] == "stg_erp__invoices")
    assert invoices["data_tests"] == [
        {"expression_is_true": {"arguments": {"expression": "not (due_date < issue_date)"}}}
    ]


def test_renaming_a_contract_column_moves_dbt_tests_and_gx_suites(con, tmp_path, monkeypatch):
    monkeypatch.setitem(TABLES, "invoices", renamed("invoices", "issue_date", "invoiced_on"))
    files = contract_codegen.render()
    invoices = staging_model(files[contract_codegen.MODELS_FILE], "stg_erp__invoices")
    assert "invoiced_on" in [c["name"] for c in invoices["columns"]]
    assert "issue_date" not in [c["name"] for c in invoices["columns"]]
    assert invoices["data_tests"][0]["expression_is_true"]["arguments"]["expression"] == "not (due_date < invoiced_on)"
    assert "- {name: invoiced_on, data_type: DATE" in files[contract_codegen.SOURCES_FILE]
    assert contract_codegen.drift() == [
        f"{contract_codegen.SOURCES_FILE} differs from what the contract generates",
        f"{contract_codegen.MODELS_FILE} differs from what the contract generates",
        "stg_erp__invoices.sql: select invoiced_on as invoiced_on (contract invoices.invoiced_on)",
    ]
    labels = [e.label for e in suite_for(TABLES["invoices"], "2025-03-01")]
    assert "dates(invoiced_on)" in labels and "dates(issue_date)" not in labels
    # ... and the whole path follows: a drop with the renamed header loads and is validated on it.
    folder = tmp_path / "2025-03-01"
    write_csv(folder, "invoices", INVOICES_CSV.replace("issue_date", "invoiced_on").replace("2025-01-01", "1890-01-01"))
    load_table(con, folder, "invoices", "2025-03-01")
    assert validate_table(con, "invoices", "2025-03-01").errors == {"dates(invoiced_on)": 1}


def test_a_rename_behind_a_staging_alias_keeps_the_staging_name(monkeypatch):
    monkeypatch.setitem(TABLES, "invoices", renamed("invoices", "amount", "gross_amount"))
    files = contract_codegen.render()
    invoices = staging_model(files[contract_codegen.MODELS_FILE], "stg_erp__invoices")
    amount = next(c for c in invoices["columns"] if c["name"] == "invoice_amount")
    assert amount["description"].startswith("Contract column `gross_amount`") and amount["data_tests"]
    assert "- {name: gross_amount, data_type: 'DECIMAL(18,2)'" in files[contract_codegen.SOURCES_FILE]
    assert contract_codegen.staging_drift() == [
        "stg_erp__invoices.sql: select gross_amount as invoice_amount (contract invoices.gross_amount)"
    ]


def test_renaming_a_key_moves_the_relationship_tests_of_its_children(monkeypatch):
    monkeypatch.setitem(TABLES, "invoices", renamed("invoices", "invoice_id", "invoice_ref"))
    models = yaml.safe_load(contract_codegen.render()[contract_codegen.MODELS_FILE])["models"]
    fields = {
        m["name"]: t["relationships"]["arguments"]["field"]
        for m in models
        for c in m["columns"]
        for t in c.get("data_tests", [])
        if isinstance(t, dict)
        and "relationships" in t
        and t["relationships"]["arguments"]["to"] == "ref('stg_erp__invoices')"
    }
    assert fields == dict.fromkeys(
        [
            "stg_erp__payments",
            "stg_erp__credit_notes",
            "stg_erp__disputes",
            "stg_erp__promises_to_pay",
            "stg_erp__contact_history",
        ],
        "invoice_ref",
    )
