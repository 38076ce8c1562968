import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema/index.ts",
  out: process.env.TAPELINE_MIGRATIONS_OUT ?? "./migrations",
});
