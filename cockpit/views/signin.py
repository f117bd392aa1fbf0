"""Sign-in: OIDC through st.login when secrets.toml has an ``[auth]`` section, else the local
password file (cockpit/auth.py). The signed-in name is what every decision records."""

from __future__ import annotations

import os

import streamlit as st

from cockpit import auth, config


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets file at all: the password file it is
        return False


def _oidc_allowed(email: str) -> bool:
    """COCKPIT_OIDC_ALLOWED (comma-separated addresses or @domains) narrows who of the identity
    provider's users may enter; unset, the provider's own assignment decides."""
    allowed = [item.strip().lower() for item in os.environ.get("COCKPIT_OIDC_ALLOWED", "").split(",") if item.strip()]
    email = email.lower()
    return not allowed or any(email == item or (item.startswith("@") and email.endswith(item)) for item in allowed)


def current_user() -> str | None:
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email") or st.user.get("name") or ""
        return email if email and _oidc_allowed(email) else None
    return st.session_state.get("user")


def render() -> None:
    st.title("Relance · collections cockpit")
    if oidc_configured():
        if st.user.is_logged_in:
            st.error("This account may not use the cockpit.")
            st.button("Sign out", on_click=st.logout)
        else:
            st.button("Sign in with your company account", on_click=st.login, type="primary")
        return
    with st.form("signin", width=420):
        name = st.text_input("User name")
        password = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in", type="primary"):
            if auth.authenticate(config.users_file(), name, password):
                st.session_state["user"] = name
                st.rerun()
            st.error("Unknown user name or wrong password.")
    st.caption("No account? An administrator adds one with `python -m cockpit.users add NAME`.")


def sign_out() -> None:
    if oidc_configured():
        st.logout()
    st.session_state.pop("user", None)
