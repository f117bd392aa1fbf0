-- One row per invoice of the as-of snapshot with its lifecycle.
select * from {{ ref('int_invoices_lifecycle') }}
