-- Ships the global QC rules: rows of qc_rules owned by the global
-- pseudo-tenant, which every tenant reads and none may change. Each
-- definition follows the rule schema of packages/evidence/src/qc/rule-definition.ts.
-- Ids and creation times are derived from the code, so every database
-- holds identical rows. Re-running inserts nothing twice (the code is
-- unique per tenant). A later
-- change to a shipped rule is a new migration that retires it and adds a
-- new code, so defects keep pointing at the rule that raised them.
-- Safe while the applications run. Proven by packages/evidence/src/qc/qc.global-rules.test.ts.
insert into qc_rules (tenant_id, id, code, name, definition, severity, message, created_at)
select app.global_tenant_id(), md5('global qc rule ' || code)::uuid, code, name,
       definition::jsonb, severity::rule_severity, message, timestamptz '2026-12-01 00:00:00+00'
from (values
    ('rate_plausible_band', 'Interest rate within a plausible band',
     '{"field": "interest_rate", "check": "range", "min": 0.5, "max": 15}',
     'warning', 'The interest rate is outside 0.5% to 15%; check the value against the note.'),
    ('term_standard', 'Loan term is a standard term',
     '{"field": "loan_term_months", "check": "one_of", "values": ["120", "180", "240", "300", "360", "480"]}',
     'warning', 'The loan term is not 10, 15, 20, 25, 30 or 40 years; confirm the term in months.'),
    ('cltv_present_for_purchase', 'CLTV present on a purchase loan',
     '{"field": "combined_loan_to_value", "check": "present", "when": {"field": "loan_purpose", "equals": "purchase"}}',
     'warning', 'A purchase loan has no combined loan-to-value ratio; add it from the appraisal and loan amount.'),
    ('dti_within_bounds', 'Debt-to-income ratio within bounds',
     '{"field": "debt_to_income", "check": "range", "min": 0, "max": 65}',
     'warning', 'The debt-to-income ratio is outside 0% to 65%; check income and debts.'),
    ('loan_amount_present', 'Loan amount present',
     '{"field": "loan_amount", "check": "present"}',
     'critical', 'The loan has no loan amount; add it from the tape or a document.'),
    ('loan_amount_positive', 'Loan amount positive',
     '{"field": "loan_amount", "check": "compare", "op": "gt", "value": 0}',
     'critical', 'The loan amount is zero or negative; correct it.'),
    ('extraction_confidence_low', 'Low-confidence extraction',
     '{"check": "min_confidence", "threshold": 0.7}',
     'info', 'A value extracted from a document has confidence below 0.7; review it against its evidence.')
) as shipped (code, name, definition, severity, message)
on conflict (tenant_id, code) do nothing;
