export * from "./create-import.ts";
export * from "./process-import.ts";
