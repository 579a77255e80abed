import type { Backend } from "./backend";
import type { CompanyMe } from "./companyapi";
import type { Call } from "./demo";
import { MINUTE, iso, sampleMFA } from "./samples";
import type { MFAView, Membership, Notice, Organization, Screen, View } from "./types";
import { suggestSlug } from "./validate";

// The test fake that replays recorded view sequences: what the real Go flows
// emitted, step by step, against the local API (TestViewSequencesGolden writes
// app/signin/testdata/view-sequences.json). Each call the screens make must
// be the recording's next step; the views recorded for it are then emitted
// in order. A call the recording doesn't have is a mismatch (mismatches),
// so a screen that calls something Go was not asked for, or in another
// order, fails its test. The recording keeps what the screens branch on;
// expand() fills in the display data around it.

/** One recorded step, as TestViewSequencesGolden writes it. */
export interface RecordedStep {
  do: string;
  email?: string;
  which?: string;
  slug?: string;
  name?: string;
  seconds?: number;
}

/** A view reduced to what the screens branch on (reduceView in app/signin/viewsequences_test.go). */
export interface Reduced {
  screen: string;
  busy: boolean;
  notice?: Notice;
  organization?: string;
  organizations?: number;
  resendIn?: number;
  email?: string;
  mfaMethod?: string;
  switching?: boolean;
  browser?: string;
  others?: number;
  backupCodesLeft?: number;
}

export interface RecordedScenario {
  name: string;
  browser: boolean;
  codes?: boolean;
  initial: Reduced;
  steps: { step: RecordedStep; views: Reduced[] }[];
}

export interface RecordedOrg {
  slug: string;
  name: string;
  membership: string;
  needsMoreAuth: boolean;
  ssoRequired: boolean;
}

/** The organizations a discovery finds, as the recording lists them. */
export function recordedOrganizations(orgs: RecordedOrg[]): Organization[] {
  return orgs.map((o) => ({
    id: `organization-test-${o.slug}`,
    name: o.name,
    slug: o.slug,
    logoUrl: "",
    membership: o.membership as Membership,
    needsMoreAuth: o.needsMoreAuth,
    ssoRequired: o.ssoRequired,
  }));
}

// Which recorded step each method of the screens is.
const STEP_OF: Record<string, string> = {
  SendLink: "send",
  Resend: "resend",
  SubmitLink: "link",
  RedeemCode: "code",
  ChooseOrganization: "choose",
  CreateOrganization: "create",
  BackToOrganizations: "back",
  UseAnotherEmail: "useAnotherEmail",
  DismissNotice: "dismiss",
  SubmitMFACode: "mfaCode",
  CancelMFA: "cancelMFA",
  ListOrganizations: "list",
  SwitchOrganization: "switch",
  CancelBrowser: "cancelBrowser",
};

// Steps that happen outside the screens: time passing, Stytch failing next.
const OFFSCREEN = new Set(["wait", "fault"]);

export class ReplayBackend implements Backend {
  view: View;
  readonly calls: Call[] = [];
  /** Calls the recording did not expect, in order. */
  readonly mismatches: string[] = [];
  private listeners = new Set<(v: View) => void>();
  private next = 0;
  private seq = 1;

  constructor(
    private scenario: RecordedScenario,
    private organizations: Organization[],
  ) {
    this.view = this.expand(scenario.initial);
  }

  /** How many recorded steps the screens have not made yet. */
  remaining(): number {
    this.skipOffscreen();
    return this.scenario.steps.length - this.next;
  }

  onState(cb: (view: View) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private skipOffscreen(): void {
    while (this.next < this.scenario.steps.length && OFFSCREEN.has(this.scenario.steps[this.next].step.do)) this.next++;
  }

  private org(slug: string | undefined): Organization | undefined {
    return slug ? this.organizations.find((o) => o.slug === slug) : undefined;
  }

  /** What the recorded step says the call's argument is, to compare with the screens' call. */
  private expectedArgs(step: RecordedStep): unknown[] | null {
    switch (step.do) {
      case "send":
        return [step.email];
      case "choose":
      case "switch":
        return [this.org(step.slug)?.id];
      case "create":
        return [step.name, step.slug];
      default:
        return null; // links, codes: the recording has no literal value to compare
    }
  }

  private play(method: string, args: unknown[]): Promise<View> {
    this.calls.push([method, ...args]);
    this.skipOffscreen();
    const rec = this.scenario.steps[this.next];
    const want = rec ? this.expectedArgs(rec.step) : null;
    if (!rec || rec.step.do !== STEP_OF[method] || (want && JSON.stringify(want) !== JSON.stringify(args))) {
      this.mismatches.push(`${method}(${args.map((a) => JSON.stringify(a)).join(", ")}) but the recording's next step is ${rec ? JSON.stringify(rec.step) : "none"}`);
      return Promise.resolve(this.view);
    }
    this.next++;
    for (const r of rec.views) this.emit(this.expand(r));
    return Promise.resolve(this.view);
  }

  private emit(v: View): void {
    this.view = v;
    for (const l of this.listeners) l(v);
  }

  /** A whole view around a recorded one: the display data the recording leaves out. */
  private expand(r: Reduced): View {
    const now = Date.now();
    const screen = r.screen as Screen;
    const org = this.org(r.organization);
    const v: View = {
      seq: this.seq++,
      screen,
      mode: "local",
      busy: r.busy,
      notice: r.notice ?? null,
      email: r.email,
      ssoAvailable: this.scenario.browser,
      codeEntry: this.scenario.codes ?? false,
      organization: org ? { ...org } : null,
      organizations: r.organizations ? this.organizations.slice(0, r.organizations).map((o) => ({ ...o })) : null,
    };
    if (screen === "link_sent") v.linkExpiresAt = iso(now + 60 * MINUTE);
    if (r.resendIn) v.resendAfter = iso(now + r.resendIn * 1000);
    if (screen.startsWith("mfa_")) {
      const mfa: MFAView = { ...sampleMFA(screen, now), method: (r.mfaMethod ?? "") as MFAView["method"], switching: Boolean(r.switching) };
      v.mfa = mfa;
    }
    if (r.browser) {
      v.browser = { kind: r.browser as "oauth_discovery" | "oauth" | "sso", organization: org?.name, expiresAt: iso(now + 10 * MINUTE) };
    }
    if (r.others) {
      // With a session Stytch lists memberships, not organizations to join by domain.
      v.otherOrganizations = this.organizations
        .filter((o) => o.slug !== org?.slug && o.membership !== "eligible_by_domain")
        .slice(0, r.others)
        .map((o) => ({ ...o }));
    }
    if (r.backupCodesLeft) v.backupCodesLeft = r.backupCodesLeft;
    if (screen === "signed_in") {
      v.member = { id: "member-test-demo", name: "Demo", email: r.email ?? "" };
      v.sessionExpiresAt = iso(now + 7 * 24 * 60 * MINUTE);
    }
    return v;
  }

  State(): Promise<View> {
    this.calls.push(["State"]);
    return Promise.resolve(this.view);
  }
  OpenInbox(): Promise<View> {
    this.calls.push(["OpenInbox"]);
    return Promise.resolve(this.view);
  }
  SuggestSlug(name: string): Promise<string> {
    this.calls.push(["SuggestSlug", name]);
    return Promise.resolve(suggestSlug(name));
  }

  SendLink = (email: string) => this.play("SendLink", [email]);
  Resend = () => this.play("Resend", []);
  UseAnotherEmail = () => this.play("UseAnotherEmail", []);
  SubmitLink = (link: string) => this.play("SubmitLink", [link]);
  RedeemCode = (code: string) => this.play("RedeemCode", [code]);
  ChooseOrganization = (id: string) => this.play("ChooseOrganization", [id]);
  CreateOrganization = (name: string, slug: string) => this.play("CreateOrganization", [name, slug]);
  BackToOrganizations = () => this.play("BackToOrganizations", []);
  SignOut = () => this.play("SignOut", []);
  DismissNotice = () => this.play("DismissNotice", []);
  RetryRestore = () => this.play("RetryRestore", []);
  StartOAuth = (provider: string) => this.play("StartOAuth", [provider]);
  StartSSO = (organizationId: string, connectionId: string) => this.play("StartSSO", [organizationId, connectionId]);
  CancelBrowser = () => this.play("CancelBrowser", []);
  SubmitMFACode = (code: string) => this.play("SubmitMFACode", [code]);
  ResendSMS = () => this.play("ResendSMS", []);
  UseMFAMethod = (method: string) => this.play("UseMFAMethod", [method]);
  SubmitPhone = (phone: string) => this.play("SubmitPhone", [phone]);
  SubmitBackupCode = (code: string) => this.play("SubmitBackupCode", [code]);
  ConfirmRecoveryCodes = () => this.play("ConfirmRecoveryCodes", []);
  CancelMFA = () => this.play("CancelMFA", []);
  SaveRecoveryCodes = () => this.play("SaveRecoveryCodes", []);
  ListOrganizations = () => this.play("ListOrganizations", []);
  SwitchOrganization = (id: string) => this.play("SwitchOrganization", [id]);
  // Not part of recorded sessions: the company API is not the sign-in flows.
  CompanyAPIMe = (): Promise<CompanyMe> => Promise.resolve({ status: "not_configured" });
}
