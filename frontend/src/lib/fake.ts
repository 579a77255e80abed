import type { Backend } from "./backend";
import type { Notice, Organization, Screen, View } from "./types";
import { SCREENS } from "./types";
import { suggestSlug, validateEmail } from "./validate";

// An in-memory Backend: used by the unit tests and by the ?demo=<screen>
// preview, so every screen can be looked at in a plain browser without Go.
// It imitates the real state machine only roughly; it is not a spec.

export const SAMPLE_ORGS: Organization[] = [
  { id: "organization-test-acme", name: "Acme Corp", slug: "acme", logoUrl: "", membership: "member", needsMoreAuth: false },
  { id: "organization-test-globex", name: "Globex", slug: "globex", logoUrl: "", membership: "invited", needsMoreAuth: false },
  { id: "organization-test-initech", name: "Initech", slug: "initech", logoUrl: "", membership: "pending", needsMoreAuth: true },
  { id: "organization-test-umbrella", name: "Umbrella Labs", slug: "umbrella", logoUrl: "", membership: "eligible_by_domain", needsMoreAuth: false },
  {
    id: "organization-test-hooli",
    name: "Hooli",
    slug: "hooli",
    logoUrl: "",
    membership: "member",
    needsMoreAuth: true,
    ssoRequired: true,
    ssoConnections: [
      { id: "saml-connection-test-okta", displayName: "Okta", identityProvider: "okta" },
      { id: "oidc-connection-test-entra", displayName: "Microsoft Entra ID", identityProvider: "microsoft-entra" },
    ],
  },
];

const MINUTE = 60_000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** A plausible View for each screen, used by the demo mode and tests. */
export function sampleView(screen: Screen, now = Date.now()): View {
  const base: View = {
    screen,
    mode: "direct",
    email: "ada@example.com",
    busy: false,
    oauthProviders: ["google", "microsoft"],
    ssoAvailable: true,
  };
  switch (screen) {
    case "signed_out":
      return { ...base, email: "" };
    case "browser":
      return { ...base, browser: { kind: "oauth_discovery", provider: "google", expiresAt: iso(now + 15 * MINUTE) } };
    case "choosing_sso_connection":
      return { ...base, organization: { ...SAMPLE_ORGS[4] } };
    case "link_sent":
      return { ...base, linkExpiresAt: iso(now + 10 * MINUTE), resendAfter: iso(now + 30_000) };
    case "choosing_organization":
      return { ...base, organizations: SAMPLE_ORGS.map((o) => ({ ...o })) };
    case "entering":
    case "needs_more_auth":
      return { ...base, organization: { ...SAMPLE_ORGS[screen === "entering" ? 0 : 2] } };
    case "signed_in":
      return {
        ...base,
        member: { id: "member-test-ada", name: "Ada Lovelace", email: "ada@example.com" },
        organization: { ...SAMPLE_ORGS[0] },
        sessionExpiresAt: iso(now + 7 * 24 * 60 * MINUTE),
        offline: false,
        keychainWarning: "",
      };
    default:
      return base;
  }
}

export type Call = [method: string, ...args: unknown[]];

export interface FakeOptions {
  /** Milliseconds each action stays busy before its result (demo realism); 0 in tests. */
  latencyMs?: number;
}

export class FakeBackend implements Backend {
  view: View;
  readonly calls: Call[] = [];
  private listeners = new Set<(v: View) => void>();
  private latencyMs: number;

  constructor(initial: View, opts: FakeOptions = {}) {
    this.view = initial;
    this.latencyMs = opts.latencyMs ?? 0;
  }

  /** Pushes a view as if the Go side emitted the "state" event. */
  emit(view: View): void {
    this.view = view;
    for (const l of this.listeners) l(view);
  }

  onState(cb: (view: View) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private async act(method: string, args: unknown[], next: (v: View) => View): Promise<View> {
    this.calls.push([method, ...args]);
    if (this.latencyMs > 0) {
      this.emit({ ...this.view, busy: true });
      await new Promise((r) => setTimeout(r, this.latencyMs));
    }
    const result = { ...next({ ...this.view, busy: false }), busy: false };
    this.emit(result);
    return result;
  }

  private withNotice(v: View, notice: Notice | null): View {
    return { ...v, notice };
  }

  State(): Promise<View> {
    this.calls.push(["State"]);
    return Promise.resolve(this.view);
  }

  SendLink(email: string): Promise<View> {
    return this.act("SendLink", [email], (v) => {
      if (validateEmail(email)) return this.withNotice({ ...v, email }, { kind: "invalid_email" });
      const now = Date.now();
      return {
        ...v,
        screen: "link_sent",
        email,
        linkExpiresAt: iso(now + 10 * MINUTE),
        resendAfter: iso(now + 30_000),
        notice: null,
      };
    });
  }

  Resend(): Promise<View> {
    return this.act("Resend", [], (v) => ({ ...v, resendAfter: iso(Date.now() + 30_000), notice: null }));
  }

  UseAnotherEmail(): Promise<View> {
    return this.act("UseAnotherEmail", [], (v) => ({
      screen: "signed_out",
      mode: v.mode,
      inboxUrl: v.inboxUrl,
      directOrganization: v.directOrganization,
      email: v.email,
      notice: null,
    }));
  }

  SubmitLink(pastedLink: string): Promise<View> {
    return this.act("SubmitLink", [pastedLink], (v) => {
      if (!/^(stytch-desktop:|https?:)/.test(pastedLink.trim())) {
        return this.withNotice(v, { kind: "link_malformed" });
      }
      if (v.screen === "browser" && v.browser?.kind === "sso") {
        return { ...sampleView("signed_in"), mode: v.mode, organization: { ...SAMPLE_ORGS[4] }, browser: null, notice: null };
      }
      return { ...v, screen: "choosing_organization", organizations: SAMPLE_ORGS.map((o) => ({ ...o })), notice: null };
    });
  }

  ChooseOrganization(organizationId: string): Promise<View> {
    return this.act("ChooseOrganization", [organizationId], (v) => {
      const org = (v.organizations ?? []).find((o) => o.id === organizationId);
      if (!org) return this.withNotice(v, { kind: "organization_not_found" });
      if (org.ssoRequired) return this.ssoStep(v, org, "");
      if (org.needsMoreAuth) return { ...v, screen: "needs_more_auth", organization: org, notice: null };
      return { ...sampleView("signed_in"), mode: v.mode, inboxUrl: v.inboxUrl, organization: org, notice: null };
    });
  }

  CreateOrganization(name: string, slug: string): Promise<View> {
    return this.act("CreateOrganization", [name, slug], (v) => {
      if ((v.organizations ?? []).some((o) => o.slug === slug) || slug === "taken") {
        return this.withNotice(v, { kind: "slug_taken" });
      }
      const org: Organization = { id: `organization-test-${slug}`, name, slug, membership: "member" };
      return { ...sampleView("signed_in"), mode: v.mode, inboxUrl: v.inboxUrl, organization: org, notice: null };
    });
  }

  SignOut(): Promise<View> {
    return this.act("SignOut", [], (v) => ({
      screen: "signed_out",
      mode: v.mode,
      inboxUrl: v.inboxUrl,
      email: v.email,
      notice: { kind: "signed_out" },
    }));
  }

  OpenInbox(): Promise<View> {
    this.calls.push(["OpenInbox"]);
    return Promise.resolve(this.view);
  }

  DismissNotice(): Promise<View> {
    return this.act("DismissNotice", [], (v) => ({ ...v, notice: null }));
  }

  RetryRestore(): Promise<View> {
    return this.act("RetryRestore", [], (v) => ({ ...v, notice: null }));
  }

  StartOAuth(provider: string): Promise<View> {
    return this.act("StartOAuth", [provider], (v) => {
      if (!(v.oauthProviders ?? []).includes(provider)) return this.withNotice(v, { kind: "sso_unavailable" });
      const kind = v.directOrganization ? "oauth" : "oauth_discovery";
      return { ...v, screen: "browser", browser: { kind, provider, expiresAt: iso(Date.now() + 15 * MINUTE) }, notice: null };
    });
  }

  StartSSO(organizationId: string, connectionId: string): Promise<View> {
    return this.act("StartSSO", [organizationId, connectionId], (v) => {
      const org =
        v.organization?.id === organizationId ? v.organization : (v.organizations ?? []).find((o) => o.id === organizationId);
      if (!org) {
        if (v.directOrganization && organizationId === "") {
          return { ...v, screen: "browser", browser: { kind: "sso", organization: v.directOrganization }, notice: null };
        }
        return this.withNotice(v, { kind: "organization_not_found" });
      }
      return this.ssoStep(v, org, connectionId);
    });
  }

  private ssoStep(v: View, org: Organization, connectionId: string): View {
    const conns = org.ssoConnections ?? [];
    const id = connectionId || org.ssoDefaultConnectionId || (conns.length === 1 ? conns[0].id : "");
    if (!id) {
      if (conns.length === 0) return this.withNotice(v, { kind: "sso_unavailable" });
      return { ...v, screen: "choosing_sso_connection", organization: org, notice: null };
    }
    const conn = conns.find((c) => c.id === id);
    if (!conn) return this.withNotice(v, { kind: "sso_unavailable" });
    const browser = { kind: "sso" as const, connection: conn.displayName, organization: org.name, expiresAt: iso(Date.now() + 15 * MINUTE) };
    return { ...v, screen: "browser", organization: org, browser, notice: null };
  }

  CancelBrowser(): Promise<View> {
    return this.act("CancelBrowser", [], (v) => ({
      ...v,
      screen: (v.organizations ?? []).length > 0 ? "choosing_organization" : "signed_out",
      browser: null,
      organization: null,
      notice: null,
    }));
  }

  SuggestSlug(name: string): Promise<string> {
    this.calls.push(["SuggestSlug", name]);
    return Promise.resolve(suggestSlug(name));
  }
}

export interface DemoSetup {
  backend: FakeBackend;
  /** Open the "create an organization" form right away. */
  startCreating: boolean;
}

/**
 * Builds the preview backend from the page URL:
 *   ?demo=<screen | create_organization>&notice=<kind>&mode=local&empty=1&offline=1&keychain=not_remembered&org=acme
 * Returns undefined when there is no demo parameter.
 */
export function demoFromSearch(search: string): DemoSetup | undefined {
  const q = new URLSearchParams(search);
  const demo = q.get("demo");
  if (demo === null) return undefined;
  const startCreating = demo === "create_organization";
  const screen: Screen = startCreating
    ? "choosing_organization"
    : (SCREENS as readonly string[]).includes(demo)
      ? (demo as Screen)
      : "signed_out";
  const view = sampleView(screen);
  if (q.get("mode") === "local") {
    view.mode = "local";
    view.inboxUrl = "http://127.0.0.1:0/";
  }
  const notice = q.get("notice");
  if (notice) view.notice = { kind: notice, retryAfterSeconds: Number(q.get("retry") ?? 42) };
  if (q.get("empty") === "1") view.organizations = [];
  if (q.get("offline") === "1") view.offline = true;
  if (q.get("keychain")) view.keychainWarning = "not_remembered";
  if (q.get("org")) view.directOrganization = q.get("org") ?? undefined;
  if (q.get("busy") === "1") view.busy = true;
  return { backend: new FakeBackend(view, { latencyMs: 600 }), startCreating };
}
