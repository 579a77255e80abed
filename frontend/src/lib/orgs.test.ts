import { describe, expect, it } from "vitest";
import { orgAction, signInTitle, switchAction } from "./orgs";
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

describe("switchAction", () => {
  it.each<[Membership, boolean, string, string]>([
    ["member", false, "Switch", "Switch to Acme Corp"],
    ["invited", false, "Accept invitation", "Accept invitation to Acme Corp"],
    ["member", true, "Sign in with SSO", "Sign in to Acme Corp with SSO"],
    ["invited", true, "Sign in with SSO", "Sign in to Acme Corp with SSO"],
  ])("%s, SSO only: %s", (membership, ssoRequired, label, ariaLabel) => {
    expect(switchAction({ name: "Acme Corp", membership, ssoRequired })).toEqual({ label, ariaLabel });
  });
});

describe("signInTitle", () => {
  it.each([
    [{}, "Sign in"],
    [{ directOrganization: "organization-test-76f1a2b3-0000-4000-8000-000000000000" }, "Sign in to your organization"],
    [{ directOrganization: "organization-live-76f1a2b3" }, "Sign in to your organization"],
    [{ directOrganization: "acme" }, "Sign in to acme"],
    [{ directOrganization: "organization-test-76f1", directOrganizationName: "Fortress Bank" }, "Sign in to Fortress Bank"],
    [{ directOrganization: "acme", directOrganizationName: "Acme Corp" }, "Sign in to Acme Corp"],
  ])("%o → %s", (view, title) => {
    expect(signInTitle(view)).toBe(title);
  });
});
