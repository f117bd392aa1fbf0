"""Cash forecast against actuals, experiment results with intervals, and model health."""

from __future__ import annotations

import streamlit as st

from cockpit import charts, config, data, model_health, ui
from cockpit.views.kpis import currency_picker

EXPERIMENT_COLUMNS = [
    "segment",
    "variant",
    "is_holdout",
    "exposures_matured",
    "paid_rate",
    "paid_rate_ci_low",
    "paid_rate_ci_high",
    "uplift_vs_holdout",
    "uplift_ci_low",
    "uplift_ci_high",
    "allocated_share",
    "arm_status",
    "allocation_reason",
]


def cash(source, currency: str) -> None:
    st.subheader("13-week cash forecast")
    dates = ui.read(data.forecast_dates, source)
    if not dates:
        st.info("No cash forecast yet (marts.mart_cash_forecast).")
        return
    compared = ui.read(data.comparable_forecast, source)
    chosen = st.selectbox(
        "Forecast made on",
        dates,
        index=dates.index(compared) if compared in dates else 0,
        format_func=lambda d: f"{d:%Y-%m-%d}",
        help="Pick an older forecast to compare it with the cash that came in since.",
    )
    frame = ui.read(data.cash_forecast_vs_actual, source, currency, chosen)
    st.altair_chart(charts.cash_forecast(frame), width="stretch")
    over = frame.dropna(subset=["actual"])
    if len(over):
        inside = ((over.actual >= over.p10) & (over.actual <= over.p90)).mean()
        st.caption(f"{len(over)} week(s) over: {inside:.0%} of them inside the P10–P90 band (about 80% expected).")


def experiments(source) -> None:
    st.subheader("Experiments")
    results = ui.read(data.experiment_results, source)
    if results.empty:
        st.info("No experiment results yet (marts.mart_experiment_results).")
        return
    for (name, segment), group in results.groupby(["experiment", "segment"]):
        if group.paid_rate.notna().any():
            st.altair_chart(charts.experiment(group), width="stretch", height=90 + 40 * len(group))
        else:
            window = group.outcome_window_days.iloc[0]
            st.markdown(f"**{name} · {segment}** — no exposure has reached the {window}-day outcome window yet.")
        ui.table(
            group[EXPERIMENT_COLUMNS],
            paid_rate=st.column_config.NumberColumn(format="percent"),
            uplift_vs_holdout=st.column_config.NumberColumn(format="percent"),
            allocated_share=st.column_config.NumberColumn(format="percent"),
        )


def models(source) -> None:
    st.subheader("Model health")
    reports = ui.read(data.drift_reports, source)
    if reports.empty:
        st.info("No drift report yet (ml.drift_reports).")
    else:
        st.altair_chart(charts.drift(reports), width="stretch")
    uri = config.tracking_uri()
    if uri is None:
        st.caption("No MLflow store found (set MLFLOW_TRACKING_URI) — training metrics against baselines not shown.")
        return
    with st.spinner("Reading the MLflow store…"):
        metrics = ui.read(model_health.latest_vs_baselines, uri)
    if metrics.empty:
        st.info("No training run with baselines in the MLflow store yet.")
        return
    st.markdown("Latest training run of each model against its baselines")
    ui.table(metrics, beats_baseline=st.column_config.CheckboxColumn("beats baseline"))


def render() -> None:
    source = ui.source()
    st.title("Forecast, experiments and models")
    currency = currency_picker(source)
    if currency:
        cash(source, currency)
    experiments(source)
    models(source)
