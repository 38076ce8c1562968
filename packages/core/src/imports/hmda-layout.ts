// The HMDA filing format (loan/application register), 2018 and later:
// pipe-delimited text without a header. Record 1 is the transmittal sheet,
// record 2 one loan. The 2020 and 2024 layouts carry the same 110 loan
// fields; names follow the regulator's Agency_LAR_Spec.csv (a copy is in
// packages/core/test-data/hmda-lar).

/** Transmittal sheet fields (record 1), in file order. */
export const HMDA_TRANSMITTAL_FIELDS = [
  "record_id",
  "institution_name",
  "calendar_year",
  "calendar_quarter",
  "contact_name",
  "contact_phone",
  "contact_email",
  "contact_street",
  "contact_city",
  "contact_state",
  "contact_zip",
  "federal_agency",
  "total_line_entries",
  "federal_tax_id",
  "lei",
] as const;

export type HmdaTransmittalField = (typeof HMDA_TRANSMITTAL_FIELDS)[number];

/** Loan fields (record 2), in file order. */
export const HMDA_LOAN_FIELDS = [
  "record_id",
  "lei",
  "uli",
  "application_date",
  "loan_type",
  "loan_purpose",
  "preapprovals",
  "construction_method",
  "occupancy",
  "loan_amount",
  "action_type",
  "action_date",
  "address",
  "city",
  "state_code",
  "zip",
  "county_code",
  "census_tract_number",
  "applicant_ethnicity_1",
  "applicant_ethnicity_2",
  "applicant_ethnicity_3",
  "applicant_ethnicity_4",
  "applicant_ethnicity_5",
  "applicant_ethnicity_other",
  "coapplicant_ethnicity_1",
  "coapplicant_ethnicity_2",
  "coapplicant_ethnicity_3",
  "coapplicant_ethnicity_4",
  "coapplicant_ethnicity_5",
  "coapplicant_ethnicity_other",
  "applicant_ethnicity_v",
  "coapplicant_ethnicity_v",
  "applicant_race1",
  "applicant_race2",
  "applicant_race3",
  "applicant_race4",
  "applicant_race5",
  "applicant_race_other1",
  "applicant_race_other2",
  "applicant_race_other3",
  "coapplicant_race1",
  "coapplicant_race2",
  "coapplicant_race3",
  "coapplicant_race4",
  "coapplicant_race5",
  "coapplicant_race_other1",
  "coapplicant_race_other2",
  "coapplicant_race_other3",
  "applicant_race_v",
  "coapplicant_race_v",
  "applicant_sex",
  "coapplicant_sex",
  "applicant_sex_v",
  "coapplicant_sex_v",
  "applicant_age",
  "coapplicant_age",
  "applicant_income",
  "purchaser_type",
  "rate_spread",
  "hoepa_status",
  "lien_status",
  "applicant_creditscore",
  "coapplicant_creditscore",
  "applicant_creditscore_model",
  "applicant_creditscore_model_c",
  "coapplicant_creditscore_model",
  "coapplicant_creditscore_model_c",
  "denial_reason1",
  "denial_reason2",
  "denial_reason3",
  "denial_reason4",
  "denial_reason5",
  "total_loan_costs",
  "total_points_fees",
  "origination_charges",
  "discount_points",
  "lender_credits",
  "interest_rate",
  "prepayment_penalty_term",
  "debt_to_income_ratio",
  "combinedloan_to_value_ratio",
  "loan_term",
  "introductory_rate_period",
  "balloon_payment",
  "interest_only_payments",
  "negative_amortization",
  "other_nonamortizing_features",
  "property_value",
  "manufacturedhome_secured_property_type",
  "manufacturedhome_land_property_interest",
  "total_units_interest",
  "multifamily_affordable_units",
  "submission_of_application",
  "initially_payable",
  "nmlsr_identifier",
  "autounderwriting_sys1",
  "autounderwriting_sys2",
  "autounderwriting_sys3",
  "autounderwriting_sys4",
  "autounderwriting_sys5",
  "autounderwriting_sys_other",
  "autounderwriting_sys_result1",
  "autounderwriting_sys_result2",
  "autounderwriting_sys_result3",
  "autounderwriting_sys_result4",
  "autounderwriting_sys_result5",
  "autounderwriting_sys_result_other",
  "reverse_mortgage",
  "openend_line_of_credit",
  "business_commercial_purpose",
] as const;

export type HmdaLoanField = (typeof HMDA_LOAN_FIELDS)[number];

export interface HmdaColumn {
  field: HmdaLoanField;
  /** Canonical field key the column feeds. */
  key: string;
  /** Filing sentinels that mean "not reported" in this column, besides NA and Exempt. */
  notReported?: ReadonlySet<string>;
}

/**
 * Codes that HMDA filings put in the credit score field instead of a
 * score: 8888 (not applicable), 1111 (exempt) and 7777 (the scoring model
 * gives no number).
 */
const CREDIT_SCORE_SENTINELS: ReadonlySet<string> = new Set([
  "7777",
  "8888",
  "1111",
]);

/**
 * The loan fields imported as datapoints. The ULI also becomes the loan
 * number. Demographic, denial-reason and underwriting-system fields are
 * not imported.
 */
export const HMDA_COLUMNS: readonly HmdaColumn[] = [
  { field: "uli", key: "loan_identifier" },
  { field: "lei", key: "lei" },
  { field: "application_date", key: "application_date" },
  { field: "loan_type", key: "loan_type" },
  { field: "loan_purpose", key: "loan_purpose" },
  { field: "occupancy", key: "occupancy" },
  { field: "loan_amount", key: "loan_amount" },
  { field: "action_type", key: "action_taken" },
  { field: "action_date", key: "action_taken_date" },
  { field: "state_code", key: "state" },
  { field: "zip", key: "zip_code" },
  { field: "county_code", key: "county" },
  { field: "census_tract_number", key: "census_tract" },
  { field: "applicant_income", key: "income" },
  { field: "rate_spread", key: "rate_spread" },
  { field: "lien_status", key: "lien_status" },
  {
    field: "applicant_creditscore",
    key: "credit_score",
    notReported: CREDIT_SCORE_SENTINELS,
  },
  { field: "total_loan_costs", key: "total_loan_costs" },
  { field: "origination_charges", key: "origination_charges" },
  { field: "discount_points", key: "discount_points" },
  { field: "lender_credits", key: "lender_credits" },
  { field: "interest_rate", key: "interest_rate" },
  { field: "prepayment_penalty_term", key: "prepayment_penalty_term_months" },
  { field: "debt_to_income_ratio", key: "debt_to_income" },
  { field: "combinedloan_to_value_ratio", key: "combined_loan_to_value" },
  { field: "loan_term", key: "loan_term_months" },
  { field: "introductory_rate_period", key: "introductory_rate_period_months" },
  { field: "property_value", key: "property_value" },
  { field: "total_units_interest", key: "total_units" },
];

/** 0-based position of each loan field in a record-2 row. */
export const HMDA_LOAN_FIELD_INDEX: ReadonlyMap<string, number> = new Map(
  HMDA_LOAN_FIELDS.map((name, index) => [name, index]),
);
