// Mirrors the View JSON the Go backend sends (docs/view-contract.md).
// The backend owns the state; these types only describe what arrives.

export const SCREENS = [
  "restoring",
  "signed_out",
  "link_sent",
  "completing",
  "choosing_organization",
  "entering",
  "needs_more_auth",
  "signed_in",
  // SSO and OAuth in the system browser.
  "browser",
  "choosing_sso_connection",
  "mfa_sms",
  "mfa_totp",
  "mfa_backup_code",
  "mfa_enroll_choose",
  "mfa_enroll_phone",
  "mfa_enroll_totp",
  "mfa_recovery_codes",
] as const;
export type Screen = (typeof SCREENS)[number];

export type Mode = "local" | "direct" | "broker";

export const MEMBERSHIPS = ["member", "invited", "pending", "eligible_by_domain", "eligible_by_oauth_tenant"] as const;
export type Membership = (typeof MEMBERSHIPS)[number];

export const NOTICE_KINDS = [
  "invalid_email",
  "rate_limited",
  "link_expired",
  "link_not_for_app",
  "link_other_device",
  "link_not_requested",
  "link_malformed",
  "link_wrong_account",
  "code_invalid",
  "code_unavailable",
  "slug_taken",
  "invalid_organization",
  "organization_not_found",
  "not_allowed",
  "session_expired",
  "intermediate_expired",
  "sign_in_interrupted",
  "network",
  "keychain_unavailable",
  "keychain_locked",
  "keychain_too_big",
  "busy",
  "unauthorized",
  "signed_out",
  "local_api_failed",
  "start_failed",
  "browser_unavailable",
  "sso_unavailable",
  "links_dropped",
  "single_instance_unavailable",
  "unknown",
  "code_wrong",
  "code_expired",
  "code_used",
  "too_many_attempts",
  "resend_limit",
  "invalid_code",
  "invalid_phone",
  "phone_taken",
  "backup_code_wrong",
  "mfa_method_not_allowed",
  "switch_needs_sign_in",
  "backup_codes_left",
  "save_failed",
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface Organization {
  id: string;
  name: string;
  slug: string;
  logoUrl?: string;
  // Go leaves it out when there is none (a signed-in session's organization).
  membership?: Membership;
  needsMoreAuth?: boolean;
  /** The organization accepts SSO only. */
  ssoRequired?: boolean;
  ssoDefaultConnectionId?: string;
  ssoConnections?: SSOConnection[] | null;
}

export interface SSOConnection {
  id: string;
  displayName: string;
  identityProvider: string;
}

/** What happens in the system browser (screen "browser"). */
export interface BrowserStep {
  kind: "oauth_discovery" | "oauth" | "sso";
  provider?: string;
  connection?: string;
  organization?: string;
  expiresAt?: string;
}

export interface Member {
  id: string;
  name: string;
  email: string;
}

export interface Notice {
  // string, not NoticeKind: a newer backend may send a kind this build does not know yet.
  kind: NoticeKind | string;
  retryAfterSeconds?: number;
}

export interface View {
  /** Grows with every backend change; a view older than the one shown is dropped. */
  seq?: number;
  screen: Screen;
  mode: Mode;
  /** direct and broker modes: the API the app talks to (the broker's or Stytch's URL), for an "About" line */
  backend?: string;
  inboxUrl?: string;
  /** "Got a code instead?" is offered: links open the /open page, which shows a sign-in code. */
  codeEntry?: boolean;
  directOrganization?: string;
  /** The configured organization's name, once Stytch has said it (the first send's answer). */
  directOrganizationName?: string;
  email?: string;
  linkExpiresAt?: string;
  resendAfter?: string;
  // Go encodes an empty slice as null.
  organizations?: Organization[] | null;
  member?: Member | null;
  organization?: Organization | null;
  sessionExpiresAt?: string;
  /** The member's roles in this session, e.g. ["stytch_member", "stytch_admin"]. */
  roles?: string[] | null;
  offline?: boolean;
  keychainWarning?: "" | "not_remembered";
  busy?: boolean;
  notice?: Notice | null;
  /** "Continue with …" buttons, e.g. ["google", "microsoft"]. */
  oauthProviders?: string[] | null;
  /** SSO can start (a public token is configured). */
  ssoAvailable?: boolean;
  browser?: BrowserStep | null;
  /** mfa_* screens only. */
  mfa?: MFAView | null;
  /** signed_in, after ListOrganizations(). */
  otherOrganizations?: Organization[] | null;
  /** signed_in, right after a backup code was used. */
  backupCodesLeft?: number;
  /** A condition of the whole run, shown on every screen (e.g. single_instance_unavailable). */
  warning?: NoticeKind | string;
}

export type MFAMethod = "sms_otp" | "totp" | "backup_code" | "";

/** The MFA step's display data (docs/view-contract.md). */
export interface MFAView {
  method: MFAMethod;
  enrolling: boolean;
  switching: boolean;
  /** After discovery: Cancel goes back to the organization list. */
  backToList?: boolean;
  phoneMasked?: string;
  codeExpiresAt?: string;
  resendAfter?: string;
  resendsLeft: number;
  canUseSms: boolean;
  canUseTotp: boolean;
  canUseBackupCode: boolean;
  allowedMethods?: string[] | null;
  intermediateExpiresAt?: string;
  /** mfa_enroll_totp only. */
  totpQrCode?: string;
  totpSecret?: string;
  /** mfa_recovery_codes only, shown once. */
  recoveryCodes?: string[] | null;
  /** Where SaveRecoveryCodes() wrote the codes. */
  savedTo?: string;
}
