"""The cockpit's charts as Altair specs (pure functions of a frame, so tests can check them).

Altair, because the forecast band under the actuals and the experiments' intervals are layered
charts that Streamlit's one-line charts cannot draw; Streamlit renders Vega-Lite itself, offline.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from cockpit.data import AGING_ORDER

AGING_COLOURS = ["#2e7d32", "#9ccc65", "#fdd835", "#fb8c00", "#e53935", "#8e0000"]
AGING_LABELS = dict(zip(AGING_ORDER, ["current", "1–30", "31–60", "61–90", "91–120", "120+"], strict=True))


def aging(frame: pd.DataFrame, title: str = "Open receivables by aging bucket") -> alt.Chart:
    """Stacked bars per as-of date, buckets from current (green) to 120+ days (dark red)."""
    frame = frame.assign(bucket=frame.aging_bucket.map(AGING_LABELS))
    labels = list(AGING_LABELS.values())
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X("as_of_date:T", title=None),
            y=alt.Y("open_amount:Q", title="open amount", stack="zero"),
            color=alt.Color(
                "bucket:N",
                sort=labels,
                title="days past due",
                scale=alt.Scale(domain=labels, range=AGING_COLOURS),
            ),
            order=alt.Order("bucket_order:Q"),
            tooltip=["as_of_date:T", "bucket:N", alt.Tooltip("open_amount:Q", format=",.0f")],
        )
    )


def lines(frame: pd.DataFrame, x: str, series: dict[str, str], title: str, y_title: str) -> alt.Chart:
    """Several measures of one frame as lines, labelled by ``series`` (column -> legend label)."""
    long = frame.melt(id_vars=[x], value_vars=list(series), var_name="measure", value_name="value")
    long["measure"] = long.measure.map(series)
    return (
        alt.Chart(long, title=title)
        .mark_line(point=len(frame) < 15)
        .encode(
            x=alt.X(f"{x}:T", title=None),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=list(series.values()),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=0),
            ),
            tooltip=[f"{x}:T", "measure:N", alt.Tooltip("value:Q", format=",.1f")],
        )
    )


def cash_forecast(frame: pd.DataFrame) -> alt.LayerChart:
    """The P10-P90 band, the expected collections and, for weeks already over, what came in."""
    base = alt.Chart(frame).encode(x=alt.X("week_start:T", title="week starting"))
    band = base.mark_area(opacity=0.25, color="#1e88e5").encode(
        y=alt.Y("p10:Q", title="collections"),
        y2="p90:Q",
        tooltip=["week_start:T", alt.Tooltip("p10:Q", format=",.0f"), alt.Tooltip("p90:Q", format=",.0f")],
    )
    expected = base.mark_line(color="#1e88e5").encode(y="expected:Q")
    actual = base.mark_line(color="#e53935", point=alt.OverlayMarkDef(color="#e53935"), strokeDash=[4, 2]).encode(
        y="actual:Q", tooltip=["week_start:T", alt.Tooltip("actual:Q", format=",.0f")]
    )
    return alt.layer(band, expected, actual).properties(
        title="13-week cash forecast: P10-P90 band, expected (blue) and actual (red)"
    )


def experiment(frame: pd.DataFrame) -> alt.LayerChart:
    """Paid rate per variant of one experiment and segment with its confidence interval, the
    hold-out group as a reference."""
    base = alt.Chart(frame).encode(y=alt.Y("variant:N", title=None))
    interval = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("paid_rate_ci_low:Q", title="paid rate", axis=alt.Axis(format="%")), x2="paid_rate_ci_high:Q"
    )
    point = base.mark_point(filled=True, size=80).encode(
        x="paid_rate:Q",
        color=alt.Color("is_holdout:N", title="hold-out"),
        tooltip=[
            "variant:N",
            "exposures_matured:Q",
            alt.Tooltip("allocated_share:Q", format=".0%"),
            alt.Tooltip("paid_rate:Q", format=".1%"),
            alt.Tooltip("uplift_vs_holdout:Q", format="+.1%"),
        ],
    )
    return alt.layer(interval, point).properties(title=f"{frame.experiment.iloc[0]} · {frame.segment.iloc[0]}")


def drift(frame: pd.DataFrame) -> alt.Chart:
    """Share of drifted features per model and day; points where a model was flagged as drifted."""
    return (
        alt.Chart(frame, title="Feature drift per model")
        .mark_line(point=True)
        .encode(
            x=alt.X("as_of_date:T", title=None),
            y=alt.Y("drifted_share:Q", title="share of drifted features", axis=alt.Axis(format="%")),
            color=alt.Color("model:N", title=None),
            tooltip=["as_of_date:T", "model:N", "drifted:N", "drifted_features:N"],
        )
    )
