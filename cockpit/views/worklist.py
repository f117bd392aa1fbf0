"""The collector worklist: what needs a person today, best first, each marked done, snoozed or reassigned."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from cockpit import decisions, review, ui


def _act(day) -> None:
    state = st.session_state
    try:
        decisions.record_worklist_action(
            day,
            state["work_row"],
            state["work_action"],
            ui.user(),
            snooze_until=state.get("work_until") if state["work_action"] == "snooze" else None,
            assignee=state.get("work_assignee") or None,
            note=state.get("work_note") or None,
        )
        state["work_notice"] = ("success", f"{state['work_action']} recorded by {ui.user()}.")
    except ValueError as error:
        state["work_notice"] = ("error", str(error))


def render() -> None:
    source = ui.source()
    st.title("Collector worklist")
    days = ui.read(review.worklist_days, source)
    if not days:
        st.info("No worklist yet (marts.mart_collector_worklist).")
        return
    day = st.selectbox("Worklist of", days, format_func=lambda d: f"{d:%Y-%m-%d}").date()
    work = ui.read_fresh(review.worklist, source, day)
    if work.empty:
        st.info("Nothing needs a person on this day.")
        return
    mine = st.toggle(f"Only mine ({ui.user()})")
    shown = work[work.owner == ui.user()] if mine else work
    st.caption(f"{(work.action == 'open').sum()} open of {len(work)} items, best value per minute first.")
    if notice := st.session_state.pop("work_notice", None):
        getattr(st, notice[0])(notice[1])
    labels = {
        row.item_id: f"#{row.worklist_rank} · {row.customer_id} · {row.item_type} · {row.action}"
        for row in shown.itertuples()
    }
    if labels:
        with st.form("work_action", border=True):
            st.selectbox("Row", list(labels), format_func=labels.get, key="work_row")
            left, middle, right = st.columns(3)
            left.radio("Action", ["done", "snooze", "reassign"], horizontal=True, key="work_action")
            middle.date_input("Snooze until", value=day + timedelta(days=3), key="work_until")
            right.text_input("Reassign to", key="work_assignee")
            st.text_input("Note", key="work_note")
            st.form_submit_button("Record", on_click=_act, args=(day,), type="primary")
    ui.table(
        shown[
            [
                "worklist_rank",
                "item_type",
                "customer_id",
                "owner",
                "amount_at_stake",
                "currency_code",
                "expected_cash",
                "cash_per_minute",
                "action",
                "snooze_until",
                "decided_by",
                "decided_at",
                "reason",
            ]
        ]
    )
