import type { Membership, Organization, View } from "./types";

export interface OrgAction {
  /** Visible button text. */
  label: string;
  /** Accessible name: includes the organization, so a list of buttons is distinguishable. */
  ariaLabel: string;
}

/** The action that fits the user's relation to the organization. */
export function orgAction(org: Pick<Organization, "name" | "membership" | "ssoRequired">): OrgAction {
  if (org.ssoRequired) return { label: "Sign in with SSO", ariaLabel: `Sign in to ${org.name} with SSO` };
  const byMembership: Record<Membership, OrgAction> = {
    member: { label: "Continue", ariaLabel: `Continue to ${org.name}` },
    pending: { label: "Continue", ariaLabel: `Continue to ${org.name}` },
    invited: { label: "Accept invitation", ariaLabel: `Accept invitation to ${org.name}` },
    eligible_by_domain: { label: "Join", ariaLabel: `Join ${org.name}` },
    eligible_by_oauth_tenant: { label: "Join", ariaLabel: `Join ${org.name}` },
  };
  // None, or a membership value this build doesn't know: "Continue" is the neutral choice.
  return byMembership[org.membership ?? "member"] ?? byMembership.member;
}

/**
 * The switch action on the signed-in screen: sessions.exchange into another
 * organization, or its SSO when it signs in by SSO only.
 */
export function switchAction(org: Pick<Organization, "name" | "membership" | "ssoRequired">): OrgAction {
  if (org.ssoRequired) return { label: "Sign in with SSO", ariaLabel: `Sign in to ${org.name} with SSO` };
  if (org.membership === "invited") return { label: "Accept invitation", ariaLabel: `Accept invitation to ${org.name}` };
  return { label: "Switch", ariaLabel: `Switch to ${org.name}` };
}

/** Stytch organization ids ("organization-test-…", "organization-live-…"): not a name to greet with. */
export function isOrganizationId(s: string): boolean {
  return /^organization-(test|live)-/.test(s);
}

/**
 * The sign-in heading. With an organization configured (direct mode) it names
 * it: by the name Stytch returned once it is known, else by a configured slug
 * (chosen by people, readable), never by a raw id.
 */
export function signInTitle(view: Pick<View, "directOrganization" | "directOrganizationName">): string {
  const configured = view.directOrganization ?? "";
  if (!configured) return "Sign in";
  const name = view.directOrganizationName || (isOrganizationId(configured) ? "" : configured);
  return name ? `Sign in to ${name}` : "Sign in to your organization";
}
