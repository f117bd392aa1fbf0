"""The customer portal: a small internet-facing web app a customer reaches from a signed link in
each e-mail to see and settle their account on their own time.

It only reads the warehouse (read-only, per request) and never writes it: every action the
customer takes lands as a JSON event file that the next pipeline run ingests
(``portal.events.ingest``), so the portal can never block or corrupt a run.
"""
