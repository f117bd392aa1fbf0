with source as (
    {{ erp_snapshot('contacts') }}
),
renamed as (
    select
        contact_id,
        customer_id,
        email,
        full_name,
        role as contact_role,
        is_primary,
        opted_out_at,
        timezone as contact_timezone
    from source
)
select * from renamed
