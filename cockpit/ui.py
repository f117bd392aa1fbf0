"""Streamlit helpers the pages share: the source, short-lived caching, errors said plainly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from cockpit import config
from cockpit.data import WarehouseBusy


def source() -> Path:
    return config.warehouse()


def user() -> str:
    return st.session_state["user"]


def read(function: Callable, *args):
    """Call a data function through a one-minute cache: pages rerun on every click, and each
    uncached call would open the warehouse again. Stops the page with a message when the
    warehouse is missing or being written."""
    try:
        return st.cache_data(ttl=60, show_spinner=False)(function)(*args)
    except (WarehouseBusy, FileNotFoundError) as error:
        st.warning(str(error))
        st.stop()


def read_fresh(function: Callable, *args):
    """For views joined with decisions, which must show a click's effect at once."""
    try:
        return function(*args)
    except (WarehouseBusy, FileNotFoundError) as error:
        st.warning(str(error))
        st.stop()


def money(value) -> str:
    return "–" if value is None or value != value else f"{float(value):,.0f}"


def table(frame, order: list[str] | None = None, **column_config) -> None:
    st.dataframe(frame, hide_index=True, width="stretch", column_order=order, column_config=column_config or None)
