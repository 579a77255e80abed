import { formatDuration } from "./time";
import type { Notice, NoticeKind } from "./types";

export type Severity = "error" | "warning" | "info";

export interface NoticeText {
  /** What happened and what to do next, in one or two sentences. */
  message: string;
  severity: Severity;
  /** A Retry button makes sense (repeat the last action). */
  retry: boolean;
}

type Entry = Omit<NoticeText, "message"> & { message: string | ((n: Notice) => string) };

// Kinds the Go backend (app/signin/errors.go) can send that the contract
// doesn't list yet. Worded here so they don't read as "something went wrong".
export const EXTRA_KINDS = [] as const;
type ExtraKind = (typeof EXTRA_KINDS)[number];

// One wording per error kind in docs/view-contract.md. The backend sends kinds;
// the wording lives only here.
export const NOTICES: Record<NoticeKind | ExtraKind, Entry> = {
  invalid_email: {
    message: "That email address wasn't accepted. Check it for typos and try again.",
    severity: "error",
    retry: false,
  },
  rate_limited: {
    message: (n) =>
      n.retryAfterSeconds && n.retryAfterSeconds > 0
        ? `Too many sign-in requests. Wait ${formatDuration(n.retryAfterSeconds)}, then try again.`
        : "Too many sign-in requests. Wait a moment, then try again.",
    severity: "error",
    retry: false,
  },
  link_expired: {
    message: "That sign-in link has expired or was already used. Send yourself a new one.",
    severity: "error",
    retry: false,
  },
  link_not_for_app: {
    message:
      "That link isn't for this app or this Stytch project, so it can't sign you in here. Send yourself a new one from here.",
    severity: "error",
    retry: false,
  },
  link_other_device: {
    message:
      "That link was requested from another device or app, so it can't sign you in here. Send a new link from this app.",
    severity: "error",
    retry: false,
  },
  link_not_requested: {
    message: "This app isn't waiting for a sign-in link. Enter your email here to start signing in.",
    severity: "error",
    retry: false,
  },
  link_malformed: {
    message:
      "That isn't a stytch-desktop sign-in link. Copy the whole link from the email (or the stytch-desktop:// address) and paste it again.",
    severity: "error",
    retry: false,
  },
  link_wrong_account: {
    message:
      "That link signs in a different account than the one you asked for here, so it wasn't used. Open the link from the email sent to you.",
    severity: "error",
    retry: false,
  },
  code_invalid: {
    message:
      "That code didn't work: check it for typos. A code works once, for 5 minutes — if it has expired, open the link in the email again for a new one.",
    severity: "error",
    retry: false,
  },
  code_unavailable: {
    message: "Sign-in codes can't be checked right now. Open the link on this computer instead, or try again shortly.",
    severity: "error",
    retry: false,
  },
  slug_taken: {
    message: "That URL slug is taken — try another.",
    severity: "error",
    retry: false,
  },
  invalid_organization: {
    message: "The organization name or URL slug wasn't accepted. Check both fields and try again.",
    severity: "error",
    retry: false,
  },
  organization_not_found: {
    message: "That organization couldn't be found. It may have been deleted — choose another one.",
    severity: "error",
    retry: false,
  },
  browser_unavailable: {
    message: "Your web browser didn't open. Open it and try again, or sign in with an email link instead.",
    severity: "error",
    retry: true,
  },
  sso_unavailable: {
    message:
      "Single sign-on isn't set up for this. Sign in with an email link instead, or ask your administrator.",
    severity: "error",
    retry: false,
  },
  not_allowed: {
    message:
      "That organization doesn't let this email address join. Ask one of its admins for an invitation, or choose another organization.",
    severity: "error",
    retry: false,
  },
  session_expired: {
    message: "Your session ended. Sign in again.",
    severity: "info",
    retry: false,
  },
  intermediate_expired: {
    message: "That sign-in took too long (more than 10 minutes), so it expired. Start again with a new link.",
    severity: "error",
    retry: false,
  },
  sign_in_interrupted: {
    message:
      "Your last sign-in was interrupted when the app closed, and its link can't be used again. Send a new link to finish signing in.",
    severity: "warning",
    retry: false,
  },
  network: {
    message: "Can't reach Stytch right now. Check your internet connection and try again.",
    severity: "error",
    retry: true,
  },
  keychain_unavailable: {
    message:
      "Your system keychain isn't available, so you'll stay signed in only until you quit the app.",
    severity: "warning",
    retry: false,
  },
  keychain_locked: {
    message: "Your keychain is locked or didn't answer in time. Unlock it, then try again.",
    severity: "warning",
    retry: true,
  },
  keychain_too_big: {
    message:
      "Your session couldn't be saved to the keychain because it's too large. You're signed in until you quit. Please report this bug.",
    severity: "warning",
    retry: false,
  },
  signed_out: {
    message: "You're signed out.",
    severity: "info",
    retry: false,
  },
  busy: {
    message: "Still working on the previous step. Wait a moment, then try again.",
    severity: "info",
    retry: false,
  },
  unauthorized: {
    message:
      "Stytch rejected this app's project credentials, so nobody can sign in with it right now. Tell whoever set up stytch-desktop.",
    severity: "error",
    retry: false,
  },
  local_api_failed: {
    message:
      "The local Stytch-compatible API didn't start (its state file or port). Quit and start the app again; the log says what failed.",
    severity: "error",
    retry: false,
  },
  start_failed: {
    message: "stytch-desktop couldn't start its sign-in backend. Quit and start it again; the log says what failed.",
    severity: "error",
    retry: false,
  },
  links_dropped: {
    message: "Too many links arrived at once, so some were not opened. Open the newest link from your email again.",
    severity: "warning",
    retry: false,
  },
  single_instance_unavailable: {
    message:
      "stytch-desktop can't make sure only one copy of it runs (no D-Bus session bus), so a sign-in link opened now may start a second window. Use the window the link opens, or paste the link here.",
    severity: "warning",
    retry: false,
  },
  unknown: {
    message: "Something went wrong. Try again; if it keeps happening, restart the app.",
    severity: "error",
    retry: true,
  },
  code_wrong: {
    message: "That code isn't right. Check it and type it again.",
    severity: "error",
    retry: false,
  },
  code_expired: {
    message: "That code has expired (codes last 2 minutes). Send yourself a new one.",
    severity: "error",
    retry: false,
  },
  code_used: {
    message: "That code was already used. Wait for a new code, then enter it.",
    severity: "error",
    retry: false,
  },
  too_many_attempts: {
    message: (n) =>
      n.retryAfterSeconds && n.retryAfterSeconds > 0
        ? `Too many wrong codes. Wait ${formatDuration(n.retryAfterSeconds)}, get a new code, or use another way to verify.`
        : "Too many wrong codes. Get a new code, or use another way to verify.",
    severity: "error",
    retry: false,
  },
  resend_limit: {
    message: "No more texts can be sent for this sign-in. Use another way to verify, or start over.",
    severity: "error",
    retry: false,
  },
  invalid_code: {
    message: "Codes are 6 digits. Type or paste the whole code.",
    severity: "error",
    retry: false,
  },
  invalid_phone: {
    message: "Enter the number in international format: + then the country code and number, like +1 555 555 0123.",
    severity: "error",
    retry: false,
  },
  phone_taken: {
    message: "Another member of this organization already uses that number. Enter a different number.",
    severity: "error",
    retry: false,
  },
  backup_code_wrong: {
    message: "That backup code isn't valid or was already used. Backup codes look like abcd-efgh-1234.",
    severity: "error",
    retry: false,
  },
  mfa_method_not_allowed: {
    message: "This organization doesn't allow that way of verifying. Choose another one.",
    severity: "error",
    retry: false,
  },
  switch_needs_sign_in: {
    message:
      "You can't enter that organization from here (joining by email domain or single sign-on needs a fresh sign-in). Sign out, then sign in again and pick it.",
    severity: "error",
    retry: false,
  },
  save_failed: {
    message: "The backup codes couldn't be saved there. Choose another place, or copy them instead.",
    severity: "error",
    retry: false,
  },
  backup_codes_left: {
    message: "You used a backup code. Each works only once — set up new ones when you're running low.",
    severity: "info",
    retry: false,
  },
};

export function isKnownKind(kind: string): kind is NoticeKind | ExtraKind {
  return Object.prototype.hasOwnProperty.call(NOTICES, kind);
}

/** The wording for a notice; kinds this build doesn't know read as "unknown". */
export function noticeText(n: Notice): NoticeText {
  const entry = NOTICES[isKnownKind(n.kind) ? n.kind : "unknown"];
  const message = typeof entry.message === "function" ? entry.message(n) : entry.message;
  return { message, severity: entry.severity, retry: entry.retry };
}
