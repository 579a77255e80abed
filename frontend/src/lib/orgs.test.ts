import { describe, expect, it } from "vitest";
import { orgAction } from "./orgs";
import type { Membership } from "./types";

describe("orgAction", () => {
  it.each<[Membership, string, string]>([
    ["member", "Continue", "Continue to Acme Corp"],
    ["pending", "Continue", "Continue to Acme Corp"],
    ["invited", "Accept invitation", "Accept invitation to Acme Corp"],
    ["eligible_by_domain", "Join", "Join Acme Corp"],
  ])("%s", (membership, label, ariaLabel) => {
    expect(orgAction({ name: "Acme Corp", membership })).toEqual({ label, ariaLabel });
  });

  it("falls back to Continue for a membership this build doesn't know", () => {
    expect(orgAction({ name: "X", membership: "future" as Membership }).label).toBe("Continue");
  });
});
