"""The customer 360 page: pick a customer, then every part of their story in tabs."""

from __future__ import annotations

import streamlit as st

from cockpit import charts, customer, ui

FACTS = [
    ("open_balance", "Open balance"),
    ("overdue_balance", "Overdue"),
    ("max_days_past_due", "Max days late"),
    ("avg_days_late_365d", "Avg days late (365 d)"),
    ("promise_kept_rate", "Promises kept"),
]


def pick(source) -> str | None:
    text = st.text_input("Find a customer (id or name)", key="customer_search")
    found = ui.read(customer.find_customers, source, text)
    if found.empty:
        st.info("No customer matches.")
        return None
    labels = {
        row.customer_id: f"{row.customer_id} · {row.customer_name} · overdue {ui.money(row.overdue_balance)}"
        for row in found.itertuples()
    }
    return st.selectbox("Customer", list(labels), format_func=labels.get, key="customer_id")


def header(person: dict) -> None:
    st.header(f"{person['customer_name']} ({person['customer_id']})")
    st.caption(
        f"{person['segment'] or 'no segment'} · {person['country_code']} · {person['currency_code']} · "
        f"terms {person['payment_terms_days']} days · owner {person['account_owner']} · "
        f"prefers {person['preferred_channel'] or 'e-mail'}"
    )
    for column, (key, label) in zip(st.columns(len(FACTS)), FACTS, strict=True):
        value = person.get(key)
        shown = (
            f"{value:.0%}"
            if key == "promise_kept_rate" and value == value and value is not None
            else (ui.money(value) if "balance" in key else ("–" if value is None or value != value else f"{value:.0f}"))
        )
        column.metric(label, shown, border=True)
    st.markdown(
        f"**Scores** — risk of paying late {person.get('payment_delay_risk') or 0:.0%}, chance to pay "
        f"unprompted {person.get('self_cure_probability') or 0:.0%}, best offer "
        f"*{person.get('best_incentive') or 'none'}*, best send hour {person.get('best_send_hour') or '–'}h."
    )


def render() -> None:
    source = ui.source()
    st.title("Customer 360")
    customer_id = pick(source)
    if not customer_id:
        return
    person = ui.read(customer.profile, source, customer_id)
    header(person)
    tabs = st.tabs(["Balance", "Invoices", "Payments", "Disputes & promises", "Messages", "Inbound", "Scores"])
    with tabs[0]:
        history = ui.read(customer.balance_history, source, customer_id)
        if history.empty:
            st.info("No open balance in the aging history.")
        else:
            st.altair_chart(charts.aging(history, "Balance history by aging bucket"), width="stretch")
    with tabs[1]:
        ui.table(ui.read(customer.invoices, source, customer_id))
    with tabs[2]:
        ui.table(ui.read(customer.payments, source, customer_id))
    with tabs[3]:
        st.markdown("**Disputes**")
        ui.table(ui.read(customer.disputes, source, customer_id))
        st.markdown("**Promises to pay**")
        ui.table(ui.read(customer.promises, source, customer_id))
    with tabs[4]:
        st.markdown("**Every planned message, where it got to, and why it was chosen**")
        ui.table(ui.read(customer.messages, source, customer_id))
        st.markdown("**Messages the contact rules stopped, and why**")
        stopped = ui.read(customer.blocked, source, customer_id)
        if len(stopped):
            rules = ", ".join(f"{rule} ({count})" for rule, count in stopped.rule.value_counts().items())
            st.caption(f"{len(stopped)} message(s) stopped — {rules}")
        ui.table(stopped)
    with tabs[5]:
        ui.table(ui.read(customer.inbound, source, customer_id))
    with tabs[6]:
        scores = ui.read(customer.scores, source, customer_id)
        if len(scores) > 1:
            st.altair_chart(
                charts.lines(
                    scores,
                    "as_of_date",
                    {"payment_delay_risk": "risk of paying late", "self_cure_probability": "pays unprompted"},
                    "Scores over time",
                    "probability",
                ),
                width="stretch",
            )
        ui.table(scores)
