"""The cockpit's Streamlit entry point (`python -m cockpit`): sign-in first, then the pages."""

from __future__ import annotations

import streamlit as st

from cockpit.views import commitments, customer, forecast, kpis, review, signin, worklist

st.set_page_config(page_title="Relance cockpit", page_icon=":material/account_balance:", layout="wide")

user = signin.current_user()
if not user:
    signin.render()
    st.stop()
st.session_state["user"] = user

page = st.navigation(
    [
        st.Page(kpis.render, title="KPIs", icon=":material/monitoring:", url_path="kpis", default=True),
        st.Page(
            forecast.render, title="Forecast, experiments, models", icon=":material/query_stats:", url_path="forecast"
        ),
        st.Page(customer.render, title="Customer 360", icon=":material/person_search:", url_path="customer"),
        st.Page(review.render, title="Contact list review", icon=":material/mark_email_read:", url_path="review"),
        st.Page(worklist.render, title="Collector worklist", icon=":material/call:", url_path="worklist"),
        st.Page(
            commitments.render, title="Promises, disputes, plans", icon=":material/handshake:", url_path="commitments"
        ),
    ]
)
with st.sidebar:
    st.caption(f"Signed in as **{user}**")
    st.button("Sign out", on_click=signin.sign_out)
page.run()
