import { normalizeCode } from "./code";
import type { Backend } from "./backend";
import type { CompanyMe } from "./companyapi";
import type { Notice, Organization, Screen, View } from "./types";
import { SCREENS } from "./types";
import { MINUTE, SAMPLE_ORGS, SAMPLE_RECOVERY_CODES, iso, sampleMFA, sampleView } from "./samples";
import { moveAllowed, offeredOn } from "./contract";
import { suggestSlug, validateEmail, validateOrgName, validatePhone, validateSlug } from "./validate";

// The demo backend: an in-memory Backend that Vite's dev server runs the
// screens on (?demo=<screen>, main.ts), so every screen can be tried in a
// plain browser without Go; the screens' tests use it too. It takes what is
// offered where, and which screen changes are allowed, from the transition
// table Go writes (contract.json, via contract.ts); a move the table doesn't
// allow throws. demo.contract.test.ts holds its link and organization steps
// to the view sequences the real flows produce against the local API
// (app/signin/testdata/view-sequences.json); the MFA, SSO, code and switching
// sequences are replayed from that recording itself (replay.ts).

export type Call = [method: string, ...args: unknown[]];

export interface FakeOptions {
  /** Milliseconds each Stytch call takes (demo realism); 0 in tests. */
  latencyMs?: number;
  /** Minimum gap between sends, as the backend's ResendInterval (default 30 s). */
  resendIntervalSeconds?: number;
  /** What a discovery link finds (default SAMPLE_ORGS). */
  organizations?: Organization[];
}

const LINK_LIFETIME = 60 * MINUTE;

/** Refused: another operation runs, or the action isn't offered here (the real ErrBusy / ErrNotNow). */
class Refused extends Error {}

export class DemoBackend implements Backend {
  view: View;
  readonly calls: Call[] = [];
  private listeners = new Set<(v: View) => void>();
  private latencyMs: number;
  private resendIntervalMs: number;
  private discovered: Organization[];
  private running = false;
  private seq = 0;
  // The secret state of each step, as in the real flows: a sign-in waiting
  // for its link, and an intermediate session after a discovery link.
  private pending: { email: string; expiresAt: number } | null = null;
  private inter = false;
  // The organization an SSO switch started from (CancelBrowser goes back to it).
  private switchingFrom: Organization | null = null;
  private failure: Notice | null = null;

  constructor(initial: View, opts: FakeOptions = {}) {
    this.view = initial;
    this.seq = initial.seq ?? 0;
    this.latencyMs = opts.latencyMs ?? 0;
    this.resendIntervalMs = (opts.resendIntervalSeconds ?? 30) * 1000;
    this.discovered = (opts.organizations ?? SAMPLE_ORGS).map((o) => ({ ...o }));
    // A view that starts mid-flow holds that step's state.
    if (initial.screen === "link_sent") {
      this.pending = { email: initial.email ?? "", expiresAt: Date.now() + LINK_LIFETIME };
    }
    if (initial.screen === "choosing_organization" || initial.screen === "needs_more_auth") this.inter = true;
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

  /** The next call to "Stytch" fails with this notice (a 429, a network error…). */
  failNext(notice: Notice): void {
    this.failure = notice;
  }

  // --- the real flows' primitives (machine.go) ---

  /** The method whose action is running: its row in the table bounds the screen changes. */
  private current: string | null = null;

  private update(patch: Partial<View>): void {
    const next = { ...this.view, ...patch, seq: ++this.seq };
    this.checkMove(next.screen);
    this.emit(next);
  }

  // A screen change the transition table (contract.json) does not allow is a
  // bug in this demo, as it is in the Go flows under test (strictMoves).
  private checkMove(to: Screen): void {
    const from = this.view.screen;
    if (this.current && !moveAllowed(this.current, from, to)) {
      throw new Error(`demo backend: ${this.current} moved ${from} → ${to}, which the transition table does not allow`);
    }
  }

  private fail(notice: Notice, patch: Partial<View> = {}): void {
    this.update({ ...patch, notice });
  }

  /** begin … end around one action, as Flows.begin does; resolves to the final view. */
  private async op(method: string, args: unknown[], body: () => Promise<void> | void, record = true): Promise<View> {
    if (record) this.calls.push([method, ...args]);
    // Offered where the transition table says (contract.json); anywhere else
    // the real backend refuses the action and changes nothing.
    if (this.running || !offeredOn(method, this.view.screen)) return this.view;
    this.running = true;
    this.current = method;
    this.update({ busy: true, notice: null });
    try {
      await body();
    } catch (err) {
      if (!(err instanceof Refused)) throw err;
    } finally {
      this.update({ busy: false });
      this.running = false;
      this.current = null;
    }
    return this.view;
  }

  /** An action whose outcome is one view (SSO, MFA, switching): emitted between begin and end. */
  private act(method: string, args: unknown[], next: (v: View) => View): Promise<View> {
    return this.op(method, args, async () => {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      // next returns the whole new view (what it leaves out is gone).
      const v = { ...next({ ...this.view }), busy: true, seq: ++this.seq };
      this.checkMove(v.screen);
      this.emit(v);
    });
  }

  private withNotice(v: View, notice: Notice | null): View {
    return { ...v, notice };
  }

  /** One call to "Stytch": waits the latency, then fails if failNext asked for it. */
  private async stytch(): Promise<Notice | null> {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const f = this.failure;
    this.failure = null;
    return f;
  }

  State(): Promise<View> {
    this.calls.push(["State"]);
    return Promise.resolve(this.view);
  }

  // --- the link step (links.go) ---

  private async send(email: string): Promise<void> {
    const failed = await this.stytch();
    if (failed) {
      const patch: Partial<View> = {};
      // A 429's Retry-After keeps Resend closed until then.
      if (failed.kind === "rate_limited" && failed.retryAfterSeconds && this.view.screen === "link_sent") {
        const until = Date.now() + failed.retryAfterSeconds * 1000;
        const current = this.view.resendAfter ? Date.parse(this.view.resendAfter) : 0;
        if (until > current) patch.resendAfter = iso(until);
      }
      return this.fail(failed, patch);
    }
    const now = Date.now();
    this.pending = { email, expiresAt: now + LINK_LIFETIME };
    // login_or_signup answers with the organization: its name, for the greeting.
    const configured = this.view.directOrganization;
    const org = configured ? this.discovered.find((o) => o.id === configured || o.slug === configured) : undefined;
    this.inter = false;
    this.update({
      screen: "link_sent",
      email,
      resendAfter: iso(now + this.resendIntervalMs),
      linkExpiresAt: iso(now + LINK_LIFETIME),
      organizations: undefined,
      ...(org ? { directOrganizationName: org.name } : {}),
    });
  }

  SendLink(email: string): Promise<View> {
    return this.op("SendLink", [email], async () => {
      this.update({ email });
      if (validateEmail(email)) return this.fail({ kind: "invalid_email" });
      await this.send(email.trim());
    });
  }

  Resend(): Promise<View> {
    return this.op("Resend", [], async () => {
      if (!this.pending) return this.fail({ kind: "link_not_requested" });
      const after = this.view.resendAfter ? Date.parse(this.view.resendAfter) : 0;
      const now = Date.now();
      if (now < after) return this.fail({ kind: "rate_limited", retryAfterSeconds: Math.ceil((after - now) / 1000) });
      await this.send(this.pending.email);
    });
  }

  UseAnotherEmail(): Promise<View> {
    return this.op("UseAnotherEmail", [], () => {
      this.pending = null;
      this.inter = false;
      this.update({
        screen: "signed_out",
        resendAfter: undefined,
        linkExpiresAt: undefined,
        organizations: undefined,
        organization: undefined,
      });
    });
  }

  /**
   * A pasted (or, in tests, delivered) link. The fake reads the token:
   * "used" answers as a used link, "foreign" as another project's, anything
   * else completes; text that isn't a link is refused without a call.
   */
  SubmitLink(pastedLink: string): Promise<View> {
    const link = pastedLink.trim();
    if (!/^(stytch-desktop:|https?:)/.test(link)) {
      // The link door refuses it before any flow runs: only the notice changes.
      this.calls.push(["SubmitLink", pastedLink]);
      this.fail({ kind: "link_malformed" });
      return Promise.resolve(this.view);
    }
    return this.deliver(link, [pastedLink], true);
  }

  /** A link through the link door: pasted (SubmitLink), or a sign-in code's (RedeemCode). */
  private deliver(link: string, args: unknown[], record: boolean): Promise<View> {
    const token = /[?&]token=([^&#]*)/.exec(link)?.[1] ?? "";
    return this.op("SubmitLink", args, async () => {
      const prev = this.view.screen;
      if (prev === "browser" && this.view.browser?.kind === "sso") {
        // The identity provider's answer: the SSO round trip ends in a session (sso.go).
        const { busy: _busy, ...signedIn } = sampleView("signed_in");
        this.update({ ...signedIn, mode: this.view.mode, organization: { ...SAMPLE_ORGS[4] }, browser: null });
        return;
      }
      const p = this.pending;
      if (!p || (prev !== "link_sent" && prev !== "signed_out")) return this.fail({ kind: "link_not_requested" });
      if (Date.now() >= p.expiresAt) return this.fail({ kind: "link_expired" });
      this.update({ screen: "completing" });
      const refused: Notice | null =
        token === "used" ? { kind: "link_expired" } : token === "foreign" ? { kind: "link_not_for_app" } : null;
      const failed = (await this.stytch()) ?? refused;
      if (failed) {
        this.update({ screen: prev });
        return this.fail(failed);
      }
      this.pending = null;
      if (this.view.directOrganization) {
        const org = this.discovered.find((o) => o.slug === this.view.directOrganization || o.id === this.view.directOrganization);
        return this.finish(org ?? { id: `organization-test-${this.view.directOrganization}`, name: this.view.directOrganization, slug: this.view.directOrganization, membership: "member" });
      }
      this.inter = true;
      this.update({
        screen: "choosing_organization",
        email: p.email,
        organizations: this.discovered.map((o) => ({ ...o })),
        resendAfter: undefined,
        linkExpiresAt: undefined,
      });
    }, record);
  }

  // --- the organization step (organizations.go) ---

  private liveIntermediate(): boolean {
    if (this.inter) return true;
    this.update({ screen: "signed_out", organizations: undefined, organization: undefined });
    this.fail({ kind: "intermediate_expired" });
    return false;
  }

  private async enter(org: Organization, created: boolean): Promise<void> {
    const prev = this.view.screen;
    this.update({ screen: "entering", organization: { ...org } });
    let failed = await this.stytch();
    if (!failed && created && (this.discovered.some((o) => o.slug === org.slug) || org.slug === "taken")) {
      failed = { kind: "slug_taken" };
    }
    if (failed) {
      if (failed.kind === "intermediate_expired") {
        this.inter = false;
        this.update({ screen: "signed_out", organizations: undefined, organization: undefined });
        return this.fail(failed);
      }
      this.update({ screen: prev, organization: undefined });
      return this.fail(failed);
    }
    this.finish(org);
  }

  private finish(org: Organization): void {
    if (org.ssoRequired && this.view.ssoAvailable) {
      this.update(this.ssoStep(this.view, org, ""));
      return;
    }
    if (org.ssoRequired) {
      // Stytch asks for SSO, which isn't configured here: another method is needed.
      this.update({ screen: "needs_more_auth", organization: { ...org, needsMoreAuth: true } });
      return;
    }
    if (org.needsMoreAuth) {
      // MFA required: the MFA step (app/signin/mfa.go) keeps the list for Cancel.
      this.update({ ...this.mfaStep(this.view, org, false), organizations: undefined });
      return;
    }
    this.inter = false;
    const signedIn = sampleView("signed_in");
    const email = this.view.email || signedIn.member!.email;
    this.update({
      screen: "signed_in",
      member: { ...signedIn.member!, email },
      organization: { ...org },
      email,
      sessionExpiresAt: signedIn.sessionExpiresAt,
      organizations: undefined,
      resendAfter: undefined,
      linkExpiresAt: undefined,
      offline: false,
      keychainWarning: "",
    });
  }

  async RedeemCode(code: string): Promise<View> {
    let link = "";
    await this.op("RedeemCode", [code], () => {
      if (normalizeCode(code) === null) return this.fail({ kind: "code_invalid" });
      link = `stytch-desktop://auth/callback?stytch_token_type=discovery&token=${"Q".repeat(44)}`;
    });
    // As app/lifecycle does: the code's link then goes through the link door
    // like a link from the OS (complete_link), not as a call of the screens.
    if (link) await this.deliver(link, [link], false);
    return this.view;
  }

  ChooseOrganization(organizationId: string): Promise<View> {
    return this.op("ChooseOrganization", [organizationId], async () => {
      const org = (this.view.organizations ?? []).find((o) => o.id === organizationId);
      if (!org) return this.fail({ kind: "organization_not_found" });
      if (!this.liveIntermediate()) return;
      // SSO only (and SSO configured): straight to the identity provider, as the real flows do.
      if (org.ssoRequired && this.view.ssoAvailable) return this.update(this.ssoStep(this.view, org, ""));
      await this.enter(org, false);
    });
  }

  CreateOrganization(name: string, slug: string): Promise<View> {
    return this.op("CreateOrganization", [name, slug], async () => {
      if (validateOrgName(name) || validateSlug(slug)) return this.fail({ kind: "invalid_organization" });
      if (!this.liveIntermediate()) return;
      await this.enter({ id: `organization-test-${slug}`, name: name.trim(), slug, membership: "member" }, true);
    });
  }

  BackToOrganizations(): Promise<View> {
    return this.op("BackToOrganizations", [], () => {
      if ((this.view.organizations ?? []).length === 0) throw new Refused("no organization list to go back to");
      if (!this.liveIntermediate()) return;
      this.update({ screen: "choosing_organization", organization: undefined });
    });
  }

  // --- the session step (session.go) ---

  SignOut(): Promise<View> {
    return this.op("SignOut", [], async () => {
      await this.stytch(); // the revoke: a failure is retried in the background, never shown
      this.update({
        screen: "signed_out",
        email: this.view.member?.email ?? "",
        member: undefined,
        organization: undefined,
        sessionExpiresAt: undefined,
        offline: false,
        keychainWarning: "",
        notice: { kind: "signed_out" },
      });
    });
  }

  OpenInbox(): Promise<View> {
    this.calls.push(["OpenInbox"]);
    return Promise.resolve(this.view);
  }

  DismissNotice(): Promise<View> {
    this.calls.push(["DismissNotice"]);
    this.update({ notice: null });
    return Promise.resolve(this.view);
  }

  RetryRestore(): Promise<View> {
    return this.op("RetryRestore", [], () => this.update({ screen: "signed_out" }));
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
    const from = this.switchingFrom;
    this.switchingFrom = null;
    if (from) return this.act("CancelBrowser", [], (v) => ({ ...v, screen: "signed_in", browser: null, organization: from, notice: null }));
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

  // --- MFA and switching: the same sequences as the Go flows (app/signin/mfa.go, switch.go) ---

  /** The session a switch started from, restored by CancelMFA. */
  private switchedFrom: View | null = null;
  /** The discovery list an MFA step came from, restored by CancelMFA. */
  private listBeforeMFA: Organization[] | null = null;

  private mfaStep(v: View, org: Organization, switching: boolean): View {
    if (switching) this.switchedFrom = { ...v };
    const list = !switching && v.organizations?.length ? v.organizations.map((o) => ({ ...o })) : null;
    this.listBeforeMFA = list;
    return {
      ...v,
      screen: "mfa_sms",
      organization: { ...org, needsMoreAuth: true },
      mfa: { ...sampleMFA("mfa_sms"), switching, ...(list ? { backToList: true } : {}) },
      notice: null,
    };
  }

  private signedIn(v: View, org: Organization | null | undefined): View {
    this.switchedFrom = null;
    return {
      ...sampleView("signed_in"),
      mode: v.mode,
      inboxUrl: v.inboxUrl,
      organization: org ? { ...org, needsMoreAuth: false } : { ...SAMPLE_ORGS[0] },
      notice: null,
    };
  }

  SubmitMFACode(code: string): Promise<View> {
    return this.act("SubmitMFACode", [code], (v) => {
      if (!/^\d{6}$/.test(code.replace(/[\s-]/g, ""))) return this.withNotice(v, { kind: "invalid_code" });
      if (code === "000000") return this.withNotice(v, { kind: "code_wrong" });
      if (v.screen === "mfa_enroll_totp") {
        return { ...v, screen: "mfa_recovery_codes", mfa: { ...sampleMFA("mfa_recovery_codes"), switching: !!v.mfa?.switching }, notice: null };
      }
      return this.signedIn(v, v.organization);
    });
  }

  ResendSMS(): Promise<View> {
    return this.act("ResendSMS", [], (v) => {
      const mfa = v.mfa ?? sampleMFA("mfa_sms");
      if (mfa.resendsLeft <= 0) return this.withNotice(v, { kind: "resend_limit" });
      const now = Date.now();
      return {
        ...v,
        mfa: { ...mfa, resendsLeft: mfa.resendsLeft - 1, codeExpiresAt: iso(now + 2 * MINUTE), resendAfter: iso(now + 30_000) },
        notice: null,
      };
    });
  }

  UseMFAMethod(method: string): Promise<View> {
    return this.act("UseMFAMethod", [method], (v) => {
      const mfa = v.mfa ?? sampleMFA("mfa_sms");
      const keep = { switching: mfa.switching };
      const to = (screen: Screen): View => ({ ...v, screen, mfa: { ...sampleMFA(screen), ...keep }, notice: null });
      if (mfa.enrolling) {
        if (method === "sms_otp") return to("mfa_enroll_phone");
        if (method === "totp") return to("mfa_enroll_totp");
        if (method === "") return to("mfa_enroll_choose");
      } else {
        if (method === "sms_otp") return to("mfa_sms");
        if (method === "totp") return to("mfa_totp");
        if (method === "backup_code") return to("mfa_backup_code");
      }
      return this.withNotice(v, { kind: "mfa_method_not_allowed" });
    });
  }

  SubmitPhone(phone: string): Promise<View> {
    return this.act("SubmitPhone", [phone], (v) => {
      if (validatePhone(phone)) return this.withNotice(v, { kind: "invalid_phone" });
      const digits = phone.replace(/[^0-9]/g, "");
      const masked = "X".repeat(digits.length - 4) + digits.slice(-4);
      return {
        ...v,
        screen: "mfa_sms",
        mfa: { ...sampleMFA("mfa_sms"), enrolling: true, phoneMasked: masked, switching: !!v.mfa?.switching },
        notice: null,
      };
    });
  }

  SubmitBackupCode(code: string): Promise<View> {
    return this.act("SubmitBackupCode", [code], (v) => {
      const c = code.toLowerCase().replace(/[\s-]/g, "");
      const known = SAMPLE_RECOVERY_CODES.map((r) => r.replace(/-/g, ""));
      if (!known.includes(c)) return this.withNotice(v, { kind: "backup_code_wrong" });
      return { ...this.signedIn(v, v.organization), backupCodesLeft: 9, notice: { kind: "backup_codes_left" } };
    });
  }

  ConfirmRecoveryCodes(): Promise<View> {
    return this.act("ConfirmRecoveryCodes", [], (v) => this.signedIn(v, v.organization));
  }

  CancelMFA(): Promise<View> {
    return this.act("CancelMFA", [], (v) => {
      const back = this.switchedFrom;
      const list = this.listBeforeMFA;
      this.switchedFrom = null;
      this.listBeforeMFA = null;
      if (back) return { ...back, otherOrganizations: null, notice: null };
      if (list) return { ...v, screen: "choosing_organization", organizations: list, organization: null, mfa: null, notice: null };
      return { screen: "signed_out", mode: v.mode, inboxUrl: v.inboxUrl, email: v.email, notice: null };
    });
  }

  CompanyAPIMe(): Promise<CompanyMe> {
    this.calls.push(["CompanyAPIMe"]);
    const v = this.view;
    if (v.screen !== "signed_in" || !v.member) return Promise.resolve({ status: "signed_out" });
    return Promise.resolve({
      status: "ok",
      httpStatus: 200,
      memberId: v.member.id,
      email: v.member.email,
      organizationId: v.organization?.id,
      organizationName: v.organization?.name,
      roles: v.roles ?? ["stytch_member"],
      checkedWith: "jwks",
    });
  }

  SaveRecoveryCodes(): Promise<View> {
    this.calls.push(["SaveRecoveryCodes"]);
    return Promise.resolve(this.view);
  }

  ListOrganizations(): Promise<View> {
    return this.act("ListOrganizations", [], (v) => ({
      ...v,
      // With a session Stytch lists memberships only: no "join by domain".
      otherOrganizations: SAMPLE_ORGS.filter((o) => o.id !== v.organization?.id && o.membership !== "eligible_by_domain").map(
        (o) => ({ ...o }),
      ),
      notice: null,
    }));
  }

  SwitchOrganization(organizationId: string): Promise<View> {
    return this.act("SwitchOrganization", [organizationId], (v) => {
      const org = (v.otherOrganizations ?? []).find((o) => o.id === organizationId);
      if (!org) return this.withNotice(v, { kind: "organization_not_found" });
      if (org.ssoRequired && v.ssoAvailable) {
        // As the Go flows (switch.go): its SSO, the current session kept until it completes.
        this.switchingFrom = v.organization ?? null;
        return this.ssoStep(v, org, "");
      }
      if (org.needsMoreAuth) return this.mfaStep(v, org, true);
      return this.signedIn(v, org);
    });
  }
}

export interface DemoSetup {
  backend: DemoBackend;
  /** Open the "create an organization" form right away. */
  startCreating: boolean;
}

/**
 * Builds the preview backend from the page URL:
 *   ?demo=<screen | create_organization>&notice=<kind>&mode=local&empty=1&offline=1&code=1&keychain=not_remembered&org=acme
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
  if (q.get("code") === "1") view.codeEntry = true;
  if (q.get("keychain")) view.keychainWarning = "not_remembered";
  if (q.get("org")) view.directOrganization = q.get("org") ?? undefined;
  if (q.get("orgName")) view.directOrganizationName = q.get("orgName") ?? undefined;
  if (q.get("busy") === "1") view.busy = true;
  return { backend: new DemoBackend(view, { latencyMs: 600 }), startCreating };
}
