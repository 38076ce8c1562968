// Read queries behind the API. Each takes a transaction opened by
// db.tenant() and filters on its tenant_id explicitly; row-level security
// remains the guarantee that no other tenant's row is returned.
export * from "./cursor.ts";
export * from "./errors.ts";
export * from "./list-loans.ts";
export * from "./get-loan.ts";
export * from "./get-import.ts";
