"""Documents a customer receives on paper or as PDF: invoice copy, account statement, formal notice
(mise en demeure / letter before action) with its statutory late-payment charges, and the daily
batch of reminder letters for customers without a reachable e-mail address.

Dagster-free, like the other domain packages: the functions take ERP rows and branding and return
PDF bytes or charges, so tests call them directly and the orchestrator only wires them in.
"""
