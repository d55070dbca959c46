"""Internal controls and compliance: audit analytics (ACFE, IIA GTAG 16, IDEA/ACL practice) and Indonesian labour
and tax rules, as SQL models writing marts.control_findings and marts.compliance_findings."""
