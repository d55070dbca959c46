"""Payroll domain: component catalogue, payslip facts and the independent payroll recalculation (SQL in ``sql/``)."""
