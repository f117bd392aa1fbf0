"""Promises, disputes and payment-plan requests that need a person: confirm or reject a promise
read in an e-mail, resolve a customer's dispute, accept or decline a payment-plan request."""

from __future__ import annotations

import streamlit as st

from cockpit import commitments, decisions, ui

# section: (items, item kind, key column, label of each item, the decisions offered)
SECTIONS = {
    "Promises to pay to confirm": (
        commitments.pending_promises,
        "promise",
        "source_ref",
        lambda r: f"{r.customer_id} · {ui.money(r.promised_amount)} by {r.promised_for:%Y-%m-%d} · {r.invoices} inv.",
        ("confirmed", "rejected"),
    ),
    "Disputes customers opened": (
        commitments.open_disputes,
        "dispute",
        "source_ref",
        lambda r: f"{r.customer_id} · {r.dispute_source} · {r.dispute_reason} · {r.invoice_ids}",
        ("resolved",),
    ),
    "Payment-plan requests": (
        commitments.plan_requests,
        "payment_plan",
        "request_id",
        lambda r: f"{r.customer_id} · {r.installments} instalments from {r.first_instalment_on:%Y-%m-%d}",
        ("accepted", "declined"),
    ),
}


def _decide(kind: str, form: str) -> None:
    state = st.session_state
    try:
        decisions.record_commitment(kind, state[f"{form}_item"], state[f"{form}_decision"], ui.user())
        state["commitment_notice"] = ("success", f"{state[f'{form}_decision']} recorded by {ui.user()}.")
    except ValueError as error:
        state["commitment_notice"] = ("error", str(error))


def _section(title: str, items, kind: str, key: str, label, offered) -> None:
    st.subheader(title)
    frame = ui.read_fresh(items, ui.source())
    if frame.empty:
        st.caption("Nothing waiting.")
        return
    form = f"commit_{kind}"
    labels = {getattr(row, key): label(row) for row in frame.itertuples()}
    with st.form(form, border=True):
        st.selectbox("Item", list(labels), format_func=labels.get, key=f"{form}_item")
        st.radio("Decision", list(offered), horizontal=True, key=f"{form}_decision")
        st.form_submit_button("Record", on_click=_decide, args=(kind, form), type="primary")
    ui.table(frame)


def render() -> None:
    st.title("Promises, disputes and plans")
    st.caption("Decisions are honoured by the next run (it copies them before building the marts).")
    if notice := st.session_state.pop("commitment_notice", None):
        getattr(st, notice[0])(notice[1])
    for title, (items, kind, key, label, offered) in SECTIONS.items():
        _section(title, items, kind, key, label, offered)
