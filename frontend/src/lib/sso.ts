import type { BrowserStep, Organization, View } from "./types";

const PROVIDERS: Record<string, string> = {
  google: "Google",
  microsoft: "Microsoft",
  hubspot: "HubSpot",
  slack: "Slack",
  github: "GitHub",
};

/** The provider's name as people know it ("google" → "Google"). */
export function providerName(provider: string): string {
  return PROVIDERS[provider] ?? provider;
}

/** Whether "Sign in with SSO" can be offered for org. */
export function canUseSSO(view: Pick<View, "ssoAvailable">, org: Pick<Organization, "ssoConnections"> | null | undefined): boolean {
  return Boolean(view.ssoAvailable) && (org?.ssoConnections ?? []).length > 0;
}

/** What the browser screen says is happening there. */
export function browserText(step: BrowserStep | null | undefined): { title: string; body: string } {
  switch (step?.kind) {
    case "sso":
      return {
        title: step.organization ? `Sign in to ${step.organization}` : "Sign in with SSO",
        body: step.connection
          ? `Finish signing in with ${step.connection} in the browser window that opened.`
          : "Finish signing in with your company's identity provider in the browser window that opened.",
      };
    case "oauth":
    case "oauth_discovery":
      return {
        title: `Continue with ${providerName(step.provider ?? "")}`,
        body: `Choose your ${providerName(step.provider ?? "")} account in the browser window that opened.`,
      };
    default:
      return { title: "Continue in your browser", body: "Finish signing in in the browser window that opened." };
  }
}
