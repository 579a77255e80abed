import type { MFAView, Organization, Screen, View } from "./types";

// Sample views of every screen: the demo backend's (demo.ts) starting points
// and the screens' tests' fixtures. Display data only, as Go sends it.

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

export const MINUTE = 60_000;

export function iso(ms: number): string {
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
    case "mfa_sms":
    case "mfa_totp":
    case "mfa_backup_code":
    case "mfa_enroll_choose":
    case "mfa_enroll_phone":
    case "mfa_enroll_totp":
    case "mfa_recovery_codes":
      return { ...base, organization: { ...SAMPLE_ORGS[2] }, mfa: sampleMFA(screen, now) };
    default:
      return base;
  }
}

// A 1×1 PNG: the demo has no real QR code (the Go side renders one).
const DEMO_QR =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

export const SAMPLE_RECOVERY_CODES = [
  "ckss-2skx-ebow", "spbc-424h-usy0", "hi08-n5tk-lns5", "1n6i-l5na-8axe", "aduj-eufq-w6yy",
  "i4l3-dxyt-urmx", "ayyi-utb0-gj0s", "lz0m-02bi-psbx", "l2qm-zrk1-8ujs", "c2qd-k7m4-ifmc",
];

/** The MFA part of a sample view for each mfa_* screen. */
export function sampleMFA(screen: Screen, now = Date.now()): MFAView {
  const base: MFAView = {
    method: "",
    enrolling: false,
    switching: false,
    resendsLeft: 0,
    canUseSms: false,
    canUseTotp: false,
    canUseBackupCode: false,
    intermediateExpiresAt: iso(now + 10 * MINUTE),
  };
  switch (screen) {
    case "mfa_sms":
      return {
        ...base,
        method: "sms_otp",
        phoneMasked: "XXXXXXX0123",
        codeExpiresAt: iso(now + 2 * MINUTE),
        resendAfter: iso(now + 30_000),
        resendsLeft: 3,
      };
    case "mfa_totp":
      return { ...base, method: "totp", canUseSms: true, canUseBackupCode: true };
    case "mfa_backup_code":
      return { ...base, method: "backup_code", canUseSms: true, canUseTotp: true };
    case "mfa_enroll_choose":
      return { ...base, enrolling: true };
    case "mfa_enroll_phone":
      return { ...base, method: "sms_otp", enrolling: true };
    case "mfa_enroll_totp":
      return { ...base, method: "totp", enrolling: true, totpQrCode: DEMO_QR, totpSecret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" };
    case "mfa_recovery_codes":
      return { ...base, method: "totp", enrolling: true, recoveryCodes: [...SAMPLE_RECOVERY_CODES] };
    default:
      return base;
  }
}
