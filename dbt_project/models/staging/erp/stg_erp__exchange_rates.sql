with source as (
    {{ erp_snapshot('exchange_rates') }}
),
renamed as (
    select
        rate_date,
        from_currency,
        to_currency,
        rate
    from source
)
select * from renamed
