-- dim_payroll_component: The payroll component catalogue: what each payslip component is and how it is taxed.
-- grain: one row per component code
-- schema: core
--
-- component_type says the sign on the payslip (earning, deduction, employer_contribution, tax); category says
-- which payslip column it adds to; program names the reference.bpjs_programs row of a BPJS component.
with components as (
    select * from canonical.payroll_components
),

final as (
    select
        component_code,
        component_name,
        component_type,
        category,
        nullif(trim(program), '') as program,
        coalesce(is_taxable, false) as is_taxable
    from components
)

select * from final order by component_code
