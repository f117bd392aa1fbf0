-- depends_on: {{ source('journeys', 'experiment_allocations') }}
with allocations as (
    {{ optional_source('journeys', 'experiment_allocations', {
        'as_of_date': 'date', 'send_day': 'date', 'experiment': 'varchar', 'segment': 'varchar',
        'variant': 'varchar', 'exposures_matured': 'integer', 'exposures_paid': 'integer',
        'prob_best': 'double precision', 'arm_status': 'varchar', 'allocated_share': 'double precision',
        'allocation_reason': 'varchar'}) }}
)
select
    as_of_date as decided_on,
    send_day,
    experiment,
    segment,
    variant,
    exposures_matured as evidence_matured,
    exposures_paid as evidence_paid,
    prob_best,
    arm_status,
    allocated_share,
    allocation_reason
from allocations
where as_of_date <= {{ as_of_date() }}
