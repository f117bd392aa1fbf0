with source as (
    {{ erp_snapshot('credit_notes') }}
),
renamed as (
    select
        credit_note_id,
        invoice_id,
        issue_date as credited_on,
        amount as credit_amount,
        reason as credit_reason
    from source
)
select * from renamed
