"""Customers billed in several currencies, and a customer whose figures break an invariant, on one
simulated day built through dbt: the build passes, balances are kept per currency to the cent,
the book states each invoice's customer balance in the invoice's currency, and the planner skips
only the quarantined customer, with its reason, while everyone else is planned as before."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from journeys import book, catalog, policy, store
from journeys.contact_list import plan_day
from tests.conftest import dbt_invoke

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 3, 31)  # the send day is Wednesday 1 April 2026

# ZMC is a EUR customer also billed in USD and GBP; a payment of ZO's is applied to ZQ's invoice (paid on
# time, so ZQ stays a standard customer whose first reminder falls due on the send day).
EXTRA_ROWS = {
    "customers": """
ZMC,Multi Devises SA,FR,EUR,retail,5000.00,30,owner_1,fr,Europe/Paris,2024-01-01
ZQ,Quarantaine SARL,FR,EUR,retail,5000.00,30,owner_1,fr,Europe/Paris,2024-01-01
ZO,Other Payer SARL,FR,EUR,retail,5000.00,30,owner_1,fr,Europe/Paris,2024-01-01""",
    "contacts": """
ZMC-K0,ZMC,billing@multi-devises.example,Ana Multi,billing,true,,
ZQ-K0,ZQ,billing@quarantaine.example,Quentin Q,billing,true,,""",
    "invoices": """
ZMC-E1,ZMC,2026-02-27,2026-03-29,1200.00,EUR,
ZMC-E2,ZMC,2026-03-20,2026-04-19,300.00,EUR,
ZMC-U1,ZMC,2026-02-01,2026-03-03,1000.00,USD,
ZMC-U2,ZMC,2026-03-15,2026-04-14,250.50,USD,
ZMC-G1,ZMC,2026-01-16,2026-02-15,99.99,GBP,
ZQ-E1,ZQ,2026-02-27,2026-03-29,400.00,EUR,
ZQ-E2,ZQ,2026-01-10,2026-02-09,100.00,EUR,""",
    "payments": """
ZMC-PU1,ZMC,ZMC-U1,2026-03-10,200.00,USD,wire
ZMC-PG0,ZMC,,2026-03-12,50.00,GBP,wire
ZO-P1,ZO,ZQ-E2,2026-02-05,100.00,EUR,wire""",
}
# The ERP's own rates (the optional exchange_rates file), reporting in EUR: USD's latest rate on or
# before the day is 0.92 (the one after it is ignored), GBP is only exported from EUR (0.80 GBP a
# euro: 1.25 euros a pound); three rows break the contract and are quarantined with their reason.
EXCHANGE_RATES = """rate_date,from_currency,to_currency,rate
2026-03-02,USD,EUR,0.91
2026-03-27,USD,EUR,0.92
2026-04-02,USD,EUR,0.99
2026-03-05,EUR,GBP,0.80
2026-03-20,CHF,CHF,1
2026-03-20,JPY,EUR,0
2026-03-20,SEK,EUR,ten
"""


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """The simulated day's drop with the rows above appended, loaded and built with `dbt build`."""

    from erp.contract import load_order
    from erp.ingest import load_table
    from erp.simulator import SimulationConfig, World

    root = tmp_path_factory.mktemp("currency")
    world = World.create(root / "world", SimulationConfig(end=DAY, customers=60, months=6, seed=5))
    drop = world.emit(DAY)
    for table, rows in EXTRA_ROWS.items():
        with (drop / f"{table}.csv").open("a", encoding="utf-8") as csv:
            csv.write(rows.lstrip("\n") + "\n")
    (drop / "exchange_rates.csv").write_text(EXCHANGE_RATES, encoding="utf-8")
    warehouse = root / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        reports = {table: load_table(con, drop, table, DAY.isoformat()) for table in load_order()}
        store.ensure(con)
        loaded = con.execute("select count(*) from raw.payments where payment_id like 'Z%'").fetchall()[0][0]
    assert loaded == 3, "the crafted payments must pass the contract"
    result = dbt_invoke(warehouse, root, DAY, "build", reporting_currency="EUR")
    run_results = json.loads((root / "target" / "run_results.json").read_text())
    return {
        "warehouse": warehouse,
        "success": result.success,
        "results": run_results["results"],
        "rates": reports["exchange_rates"],
    }


def rows(day, sql: str) -> list[tuple]:
    """Rows of a query on the built warehouse (dbt, in-process, still holds it open read-write)."""
    with duckdb.connect(str(day["warehouse"])) as con:
        return con.execute(sql).fetchall()


def test_the_build_passes_and_only_warns_about_the_quarantined_customers(day):
    statuses = {r["unique_id"]: r["status"] for r in day["results"]}
    assert day["success"], [u for u, s in statuses.items() if s in ("error", "fail")]
    assert not [u for u, s in statuses.items() if s in ("error", "fail")]
    warned = [u for u, s in statuses.items() if s == "warn"]
    assert any("dim_customer_360" in u and "not_is_quarantined" in u for u in warned), warned


def test_balances_are_kept_per_currency_to_the_cent(day):
    got = rows(
        day,
        """select currency_code, is_customer_currency, open_balance, overdue_balance, balance_current,
                              balance_1_30, balance_31_60, open_invoices, max_days_past_due, unapplied_cash
                       from marts.fct_customer_balances where customer_id = 'ZMC' order by currency_code""",
    )
    d = Decimal
    assert got == [
        ("EUR", True, d("1500.00"), d("1200.00"), d("300.00"), d("1200.00"), d("0.00"), 2, 2, d("0.00")),
        ("GBP", False, d("99.99"), d("99.99"), d("0.00"), d("0.00"), d("99.99"), 1, 44, d("50.00")),
        ("USD", False, d("1050.50"), d("800.00"), d("250.50"), d("800.00"), d("0.00"), 2, 28, d("0.00")),
    ]
    profile = rows(
        day,
        """select currency_code, open_balance, overdue_balance, balance_1_30, unapplied_cash,
                                  currencies_open, has_foreign_currency_balance, open_invoices, max_days_past_due,
                                  credit_utilisation, is_quarantined
                           from marts.dim_customer_360 where customer_id = 'ZMC'""",
    )
    assert profile == [("EUR", d("1500.00"), d("1200.00"), d("1200.00"), d("0.00"), 3, True, 5, 44, 0.3, False)]


def test_balances_convert_to_the_reporting_currency_with_the_erps_own_rates_only(day):
    rates = day["rates"]
    assert (rates.rows_read, rates.rows_loaded, rates.rows_rejected) == (7, 4, 3)
    assert rates.reasons == {
        "from_currency equals to_currency": 1,
        "non-positive rate": 1,
        "wrong type: rate is not a valid rate": 1,
    }
    balances = {
        currency: (code, rate, open_reporting, overdue_reporting)
        for currency, code, rate, open_reporting, overdue_reporting in rows(
            day,
            """select currency_code, reporting_currency_code, rate_to_reporting, open_balance_reporting,
                      overdue_balance_reporting from marts.fct_customer_balances where customer_id = 'ZMC'""",
        )
    }
    assert balances["EUR"] == ("EUR", 1.0, Decimal("1500.00"), Decimal("1200.00"))
    # USD open 800.00 + 250.50 = 1,050.50 × 0.92 = 966.46; overdue 800.00 × 0.92 = 736.00
    assert balances["USD"] == ("EUR", 0.92, Decimal("966.46"), Decimal("736.00"))
    # GBP open 99.99 × 1.25 = 124.9875 → 124.99, all of it overdue
    assert balances["GBP"] == ("EUR", 1.25, Decimal("124.99"), Decimal("124.99"))


def test_kpi_marts_and_aging_are_per_currency(day):
    mismatches = rows(
        day,
        """
        with invoices as (select currency_code, sum(open_amount) as open from marts.fct_invoices group by 1),
             balances as (select currency_code, sum(open_balance) as open from marts.fct_customer_balances group by 1),
             kpis as (select currency_code, ending_ar from marts.mart_collections_kpis_daily
                      where as_of_date = DATE '2026-03-31')
        select currency_code, invoices.open, balances.open, kpis.ending_ar
        from invoices full join balances using (currency_code) full join kpis using (currency_code)
        where abs(coalesce(invoices.open, 0) - coalesce(balances.open, 0)) >= 0.01
           or abs(coalesce(invoices.open, 0) - coalesce(kpis.ending_ar, 0)) >= 0.01""",
    )
    assert mismatches == []
    assert {r[0] for r in rows(day, "select distinct currency_code from marts.mart_collections_kpis_daily")} >= {
        "EUR",
        "GBP",
        "USD",
    }
    aging = rows(
        day,
        """select currency_code, aging_bucket, open_amount from marts.mart_ar_aging
                         where customer_id = 'ZMC' and open_amount > 0 order by 1, 2""",
    )
    d = Decimal
    assert aging == [
        ("EUR", "1_30", d("1200.00")),
        ("EUR", "current", d("300.00")),
        ("GBP", "31_60", d("99.99")),
        ("USD", "1_30", d("800.00")),
        ("USD", "current", d("250.50")),
    ]


def test_the_book_states_each_invoices_customer_balance_in_its_currency(day):
    got = rows(
        day,
        """select invoice_id, currency_code, open_amount, open_balance, overdue_balance
                       from marts.mart_dunning_book where customer_id = 'ZMC' order by invoice_id""",
    )
    d = Decimal
    assert got == [
        ("ZMC-E1", "EUR", d("1200.00"), d("1500.00"), d("1200.00")),
        ("ZMC-E2", "EUR", d("300.00"), d("1500.00"), d("1200.00")),
        ("ZMC-G1", "GBP", d("99.99"), d("99.99"), d("99.99")),
        ("ZMC-U1", "USD", d("800.00"), d("1050.50"), d("800.00")),
        ("ZMC-U2", "USD", d("250.50"), d("1050.50"), d("800.00")),
    ]
    bad = rows(
        day,
        """select count(*) from marts.mart_dunning_book book
                       join marts.fct_customer_balances balances using (customer_id, currency_code)
                       where book.open_balance <> balances.open_balance""",
    )
    assert bad == [(0,)]


def test_a_customer_breaking_an_invariant_is_quarantined_with_its_reason(day):
    breaks = rows(day, "select customer_id, invariant from intermediate.int_customers_invariant_breaks order by 1")
    assert breaks == [("ZO", "payment_on_another_customers_invoice"), ("ZQ", "payment_on_another_customers_invoice")]
    flagged = rows(
        day,
        """select customer_id, quarantine_reason from marts.dim_customer_360
                           where is_quarantined order by 1""",
    )
    assert [c for c, _ in flagged] == ["ZO", "ZQ"]
    assert flagged[1][1] == "payment_on_another_customers_invoice: 1 payment(s) allocated across customers"
    assert rows(day, "select distinct is_quarantined from marts.mart_dunning_book where customer_id = 'ZQ'") == [
        (True,)
    ]


def test_the_planner_skips_only_the_quarantined_customer_and_says_why(day):
    with duckdb.connect(str(day["warehouse"])) as con:
        today = book.load(con)
    journeys, rules = catalog.load_journeys(), catalog.load_policy()
    plan = plan_day(today, journeys, rules)
    sends = plan.contact_list[plan.contact_list.action == "send"]
    assert "ZMC" in set(sends.customer_id) and "ZQ" not in set(plan.contact_list.customer_id)
    quarantined = plan.blocked[plan.blocked.rule == "data_quarantine"]
    assert set(quarantined.customer_id) == {"ZQ"} and set(quarantined.invoice_id) == {"ZQ-E1"}
    assert quarantined.detail.str.startswith("payment_on_another_customers_invoice").all()
    assert "data_quarantine" in policy.RULES
    # Without the flag ZQ would be reminded; every other customer's plan is the same either way.
    unflagged = plan_day(replace(today, invoices=today.invoices.assign(is_quarantined=False)), journeys, rules)
    assert "ZQ" in set(unflagged.contact_list.customer_id)
    others = unflagged.contact_list[unflagged.contact_list.customer_id != "ZQ"]
    assert others.reset_index(drop=True).equals(plan.contact_list.reset_index(drop=True))
    assert policy.quarantine_summary(today.invoices) == {
        "quarantined_customers": 1,
        "by_invariant": {"payment_on_another_customers_invoice": 1},
    }


def test_quarantine_is_the_first_invoice_rule_and_the_summary_counts_customers_per_invariant():
    row = pd.Series(
        {"is_quarantined": True, "quarantine_reason": "aging_does_not_sum: buckets off in USD", "is_in_dispute": True}
    )
    verdict = policy.invoice_rule(row, "I1", "email", catalog.load_policy(), pd.Timestamp("2026-04-01"), {}, {})
    assert verdict == ("data_quarantine", "aging_does_not_sum: buckets off in USD")
    invoices = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B", "C"],
            "is_quarantined": [True, True, True, False],
            "quarantine_reason": ["x: 1; y: 2", "x: 1; y: 2", "y: 3", None],
        }
    )
    assert policy.quarantine_summary(invoices) == {"quarantined_customers": 2, "by_invariant": {"y": 2, "x": 1}}
    assert policy.quarantine_summary(invoices.iloc[3:]) == {"quarantined_customers": 0, "by_invariant": {}}
