"""The collections cockpit: a Streamlit app for the credit team over the published marts.

It only reads the warehouse (opened read-only, for one query at a time, so it never holds the
pipeline's writer off for long) and keeps what people decide (approvals, holds, worklist actions)
in its own SQLite file (cockpit/decisions.py), which the next pipeline run reads. The data access
is in plain functions (data.py, customer.py, review.py) that tests import; pages/ only draws.
"""
