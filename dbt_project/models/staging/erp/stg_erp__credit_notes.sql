with source as (
    select * from {{ source('erp', 'credit_notes') }} where _partition = {{ as_of_date() }}
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
