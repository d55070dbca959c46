-- compliance_findings: Compliance exceptions for review, each with a sentence a reviewer can act on and the evidence as JSON.
-- grain: one row per finding (finding_id)
-- schema: marts
--
-- The compliance rules of assets/controls/registry.yaml (kind = compliance), plus an input_missing finding for each of
-- those rules whose input table is missing or empty. A finding is an exception to review, never a verdict.
--   finding_id          stable id: control code, entity key and what makes the exception unique
--   control_code        the registry code (input_missing when the rule could not run)
--   severity            high | medium | low
--   entity, entity_key  what to look at (employee id, invoice id, journal id, bank line, vendor, population)
--   period              month start the exception belongs to (null for input_missing)
--   amount_at_risk_idr  money exposed, where it can be measured
--   evidence            JSON text with the values the rule compared
with findings as (
    select * from core.int_controls__findings
),

final as (
    -- every column of the union but kind, in the union's order
    select * exclude (kind)
    from findings
    where kind = 'compliance'
)

-- the columns are those of core.int_controls__findings, named there (sqlfluff cannot count a `* exclude`)
select * from final order by control_code, period, entity_key, finding_id  -- noqa: AM04
