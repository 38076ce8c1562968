import { describe, expect, it } from "vitest";
import { readEventsArguments } from "./events.ts";
import { UsageError } from "./usage.ts";

const ID = "3f2b1c9e-8d4a-4e6b-9c1d-2a7f5e8b0c31";

describe("readEventsArguments", () => {
  it("reads dead, dead --tenant and replay", () => {
    expect(readEventsArguments(["dead"])).toEqual({ action: "dead" });
    expect(readEventsArguments(["dead", "--tenant", ID.toUpperCase()])).toEqual({ action: "dead", tenantId: ID });
    expect(readEventsArguments(["replay", ID])).toEqual({ action: "replay", eventId: ID });
  });

  it("names the bad value", () => {
    expect(() => readEventsArguments(["replay", "42"])).toThrow(UsageError);
    expect(() => readEventsArguments(["replay", "42"])).toThrow(/"42"/);
    expect(() => readEventsArguments(["dead", "--tenant", "acme"])).toThrow(/"acme" is not a tenant id/);
    expect(() => readEventsArguments(["purge"])).toThrow(/Unknown events command "purge"/);
  });
});
