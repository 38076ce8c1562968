// Usage text and the error type for bad command-line arguments.

export const USAGE = `Usage:
  pnpm tapeline import --tenant TENANT_ID FILE [--format hmda|csv] [--mapping MAPPING.json|JSON]
      Import a loan tape for a tenant and show its progress, counts and first errors.
      --format   hmda (pipe-delimited HMDA filing) or csv (with a header row);
                 defaults to csv for *.csv files and hmda otherwise.
      --mapping  CSV only: a JSON file, or an inline JSON object starting with {,
                 from header column to field key, for example
                 {"Loan Number": "loan_identifier", "Amount": "loan_amount"}.
  pnpm tapeline documents upload --tenant TENANT_ID --loan LOAN_ID FILE.pdf
      Upload a PDF to a loan, as POST /v1/loans/{loanId}/documents does, and print
      the document id, detected type, page count and whether the loan already had
      the same bytes. A running worker extracts its datapoints.
  pnpm tapeline tenants list
      List tenants with their ids.
  pnpm tapeline tenants create SLUG NAME
      Create a tenant (or rename the one with this slug) and print its id.
  pnpm tapeline events dead [--tenant TENANT_ID]
      List dead events (every delivery or handling attempt failed), oldest first.
  pnpm tapeline events replay EVENT_ID
      Put a dead event back in the queue with a fresh attempt count.

The database is the one named by DATABASE_URL, or the embedded PostgreSQL
under TAPELINE_DATA_DIR (the one \`pnpm start\` runs, when it is running).`;

/** A missing or invalid argument; the CLI prints the message and the usage, and exits with 2. */
export class UsageError extends Error {
  readonly code = "CLI_USAGE";
}

/**
 * A failure while running a valid command, such as a tenant or file that
 * does not exist; the CLI prints the message without the usage and exits with 1.
 */
export class CommandError extends Error {
  readonly code = "CLI_COMMAND_FAILED";
}
