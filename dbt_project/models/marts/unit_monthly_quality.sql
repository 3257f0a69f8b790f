-- Reporting quality per unit × feed × report month (附件1/附件2 of the bulletin): submitted, accepted,
-- compliance and timeliness. Only combinations with at least one submitted row.
with

submitted as (

    select * from {{ ref('int_rows_submitted') }}

),

reporting_units as (

    select * from {{ ref('dim_reporting_unit') }}

),

-- every submitted row of every feed (int_rows_submitted)
submitted_rows as (

    select feed, unit_code, report_month, is_accepted, in_timeliness_base, is_timely, deadline_workdays
    from submitted

),

counted as (

    select
        report_month,
        unit_code,
        feed,
        count(*) as submitted,
        count(*) filter (where is_accepted) as accepted,
        count(*) filter (where not is_accepted) as rejected,
        count(*) filter (where in_timeliness_base) as timeliness_base,
        count(*) filter (where in_timeliness_base and is_timely) as timely,
        bool_or(deadline_workdays is not null) as has_deadline

    from submitted_rows
    group by report_month, unit_code, feed

),

final as (

    select
        counted.report_month,
        counted.unit_code,
        reporting_units.unit_name,
        reporting_units.unit_kind,
        counted.feed,
        counted.submitted,
        counted.accepted,
        counted.rejected,
        {{ safe_rate('counted.accepted', 'counted.submitted') }} as compliance_rate,
        -- feeds without a deadline have no timeliness (warehouse.md)
        case when counted.has_deadline then counted.timeliness_base end as timeliness_base,
        case when counted.has_deadline then counted.timely end as timely,
        case
            when counted.has_deadline then {{ safe_rate('counted.timely', 'counted.timeliness_base') }}
        end as timeliness_rate

    from counted
    left join reporting_units
        on counted.unit_code = reporting_units.unit_code

)

select * from final
