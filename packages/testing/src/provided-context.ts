// The value that the global setup provides to every test file through
// vitest's inject("tapeline").

export interface TestServer {
  /** Superuser URL of the maintenance database. */
  maintenanceUrl: string;
  templateDatabase: string;
  appPassword: string;
  relayPassword: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    tapeline: TestServer;
  }
}
