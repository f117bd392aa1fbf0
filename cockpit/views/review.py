"""The day's contact list for review: filter, hold or approve rows, and the approval-mode switch.

Decisions are recorded through on_click callbacks, which run before the page redraws, so the
table below always shows the click's effect with who decided and when.
"""

from __future__ import annotations

import streamlit as st

from cockpit import decisions, review, ui

# The plan's columns people read (ids and the journey name stay out of the way), after the decision.
SHOWN = ["customer_id", "decision", "decided_by", "decided_at"] + [
    c for c in review.REVIEW_COLUMNS if c not in ("message_id", "customer_id", "journey")
]


def _decide(day, decision: str, key: str) -> None:
    ids = st.session_state.get(key) or []
    count = decisions.record(day, ids, decision, ui.user())
    st.session_state["review_rows"] = []
    st.session_state["review_notice"] = f"{count} row(s) {decision} by {ui.user()}."


def _approve_all(day, ids: list[str]) -> None:
    count = decisions.record(day, ids, "approved", ui.user())
    st.session_state["review_notice"] = f"{count} row(s) approved by {ui.user()} (every pending row shown)."


def _switch_mode() -> None:
    decisions.set_approval_mode(st.session_state["approval_mode"], ui.user())


def mode_switch() -> None:
    on = decisions.approval_mode()
    st.toggle(
        "Approval mode — nothing is delivered until a person approves it",
        value=on,
        key="approval_mode",
        on_change=_switch_mode,
    )
    st.caption(
        "Approval mode is **on**: only approved rows will be delivered."
        if on
        else "Approval mode is **off**: every row not on hold will be delivered."
    )


def filters(plan):
    left, middle, right, amount, text = st.columns([2, 2, 2, 1, 2])
    channels = left.multiselect("Channel", sorted(plan.channel.unique()))
    steps = middle.multiselect("Step", sorted(plan.step.unique()))
    decided = right.multiselect("Decision", ["pending", "approved", "held"])
    smallest = amount.number_input("Amount ≥", min_value=0.0, value=0.0, step=100.0)
    customer = text.text_input("Customer id contains")
    return review.filter_rows(plan, channels, steps, decided, smallest, customer)


def actions(day, shown) -> None:
    labels = {
        row.message_id: f"{row.customer_id} · {row.step} · {ui.money(row.amount_due)} {row.currency_code}"
        for row in shown.itertuples()
    }
    st.multiselect(
        "Rows to decide",
        list(labels),
        format_func=labels.get,
        key="review_rows",
        placeholder="Pick rows by customer id",
        select_all=False,  # "approve all" is its own button; a stray Enter must not pick every row
    )
    left, middle, right = st.columns(3)
    left.button("Approve selected", on_click=_decide, args=(day, "approved", "review_rows"), width="stretch")
    middle.button("Hold selected", on_click=_decide, args=(day, "held", "review_rows"), width="stretch")
    pending = shown.loc[shown.decision == "pending", "message_id"].tolist()
    right.button(
        f"Approve the {len(pending)} pending rows shown",
        type="primary",
        on_click=_approve_all,
        args=(day, pending),
        disabled=not pending,
        width="stretch",
    )


def render() -> None:
    source = ui.source()
    st.title("Contact list review")
    days = ui.read(review.plan_days, source)
    if not days:
        st.info("No contact list yet (journeys.contact_list).")
        return
    day = st.selectbox("Plan of", days, format_func=lambda d: f"{d:%Y-%m-%d}").date()
    mode_switch()
    plan = ui.read_fresh(review.contact_list, source, day)
    if plan.empty:
        st.info("Nothing planned for customers on this day.")
        return
    counts = plan.decision.value_counts()
    for column, state in zip(st.columns(3), ["pending", "approved", "held"], strict=True):
        column.metric(state.capitalize(), int(counts.get(state, 0)), border=True)
    shown = filters(plan)
    if notice := st.session_state.pop("review_notice", None):
        st.success(notice)
    actions(day, shown)
    ui.table(
        shown,
        order=SHOWN,
        amount_due=st.column_config.NumberColumn(format="%.2f"),
        decided_at=st.column_config.TextColumn("decided at (UTC)"),
    )
