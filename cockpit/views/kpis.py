"""The KPI page: aging over time, DSO (standard, countback, best possible), CEI and ADD."""

from __future__ import annotations

import streamlit as st

from cockpit import charts, data, ui

DSO = {"dso_standard": "standard", "dso_countback": "countback", "best_possible_dso_standard": "best possible"}
ADD = {"add_standard": "ADD (standard)", "add_countback": "ADD (countback)"}
CEI = {"cei_pct": "CEI %", "pct_current": "% of AR current"}


def currency_picker(source) -> str | None:
    options = ui.read(data.currencies, source)
    if not options:
        return None
    return st.segmented_control("Currency", options, default=options[0], key="currency") or options[0]


def headline(daily) -> None:
    last = daily.iloc[-1]
    previous = daily.iloc[-2] if len(daily) > 1 else None  # the first day has nothing to compare with
    columns = st.columns(5)
    for column, (key, label, unit) in zip(
        columns,
        [
            ("dso_countback", "DSO (countback)", " d"),
            ("best_possible_dso_countback", "Best possible DSO", " d"),
            ("add_countback", "ADD", " d"),
            ("cei_pct", "CEI", " %"),
            ("ending_overdue_ar", "Overdue AR", ""),
        ],
        strict=True,
    ):
        value, before = last[key], (float("nan") if previous is None else previous[key])
        delta = None if before != before or value != value else float(value - before)
        shown = ui.money(value) if key == "ending_overdue_ar" else f"{value:.1f}{unit}"
        column.metric(
            label,
            shown,
            delta=None if delta is None else f"{delta:+.1f}",
            border=True,
            delta_color="normal" if key == "cei_pct" else "inverse",
        )


def render() -> None:
    source = ui.source()
    st.title("Collections KPIs")
    currency = currency_picker(source)
    daily = ui.read(data.kpis_daily, source, currency) if currency else None
    if daily is None or daily.empty:
        st.info("No KPIs yet: the pipeline has not built marts.mart_collections_kpis_daily.")
        return
    st.caption(
        f"Trailing-window KPIs in {currency} as of {daily.as_of_date.iloc[-1]:%Y-%m-%d} "
        "(change against the previous day)."
    )
    headline(daily)
    st.altair_chart(charts.aging(ui.read(data.aging_over_time, source, currency)), width="stretch")
    left, middle, right = st.columns(3)
    left.altair_chart(charts.lines(daily, "as_of_date", DSO, "Days sales outstanding", "days"), width="stretch")
    middle.altair_chart(charts.lines(daily, "as_of_date", ADD, "Average days delinquent", "days"), width="stretch")
    right.altair_chart(charts.lines(daily, "as_of_date", CEI, "Collection effectiveness", "%"), width="stretch")
    monthly = ui.read(data.kpis_monthly, source, currency)
    with st.expander("Monthly KPIs (calendar months)", expanded=False):
        ui.table(monthly)
