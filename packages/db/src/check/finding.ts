// The shape every check reports in: what is wrong, where, and how to fix it.

export interface Finding {
  /** The check that reported it, for example `0002_rls_not_forced` or `migration journal`. */
  check: string;
  /** The database object or file at fault, for example `table public.audits`. */
  object: string;
  detail: string;
  remedy: string;
}

/** Formats findings for a terminal, one block per finding. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings
    .map((finding) =>
      [
        `FAIL [${finding.check}] ${finding.object}`,
        `     ${finding.detail}`,
        `     fix: ${finding.remedy}`,
      ].join("\n"),
    )
    .join("\n\n");
}
