-- What a person last decided in the cockpit about each customer commitment (a promise to
-- confirm or reject, a Relance-side dispute to resolve, a payment-plan request to accept or
-- decline): a later decision replaces an earlier one. Decisions are not filtered by the as-of
-- date: they are read by the run after they were made (the marts reading them hold the latest
-- state, which a backfill leaves alone), and the cockpit's clock need not be the data's.
with decisions as (
    select
        item_kind,
        item_id,
        decision,
        decided_by,
        decided_at,
        row_number() over (partition by item_kind, item_id order by decided_at desc, decision_id desc) as recency
    from {{ ref('stg_journeys__commitment_decisions') }}
)
select item_kind, item_id, decision, decided_by, decided_at
from decisions
where recency = 1
