with source as (
    {{ erp_snapshot('customers') }}
),
renamed as (
    select
        customer_id,
        name as customer_name,
        country as country_code,
        currency as currency_code,
        industry,
        credit_limit,
        payment_terms_days,
        account_owner,
        language as language_code,
        timezone,
        created_at as created_on
    from source
)
select * from renamed
