import type { CompanyMe } from "./companyapi";
import type { View } from "./types";

// Backend is everything the screens may ask of the Go side. Every action
// returns the new View; failures arrive as view.notice, not as rejections.
export interface Backend {
  State(): Promise<View>;
  SendLink(email: string): Promise<View>;
  Resend(): Promise<View>;
  UseAnotherEmail(): Promise<View>;
  SubmitLink(pastedLink: string): Promise<View>;
  /** Signs in with the code the /open page showed ("Got a code instead?"). */
  RedeemCode(code: string): Promise<View>;
  ChooseOrganization(organizationId: string): Promise<View>;
  CreateOrganization(name: string, slug: string): Promise<View>;
  /** From "extra verification required" back to the discovered organizations (same intermediate session). */
  BackToOrganizations(): Promise<View>;
  SignOut(): Promise<View>;
  OpenInbox(): Promise<View>;
  DismissNotice(): Promise<View>;
  /** Reads the keychain again after the user unlocked it (start-up restore). */
  RetryRestore(): Promise<View>;
  SuggestSlug(name: string): Promise<string>;
  /** Opens the system browser at "Continue with <provider>". */
  StartOAuth(provider: string): Promise<View>;
  /** SSO for an organization; connectionId "" = its default connection (or the backend asks which). */
  StartSSO(organizationId: string, connectionId: string): Promise<View>;
  /** Stops waiting for the browser. */
  CancelBrowser(): Promise<View>;
  // MFA and organization switching (docs/view-contract.md).
  SubmitMFACode(code: string): Promise<View>;
  ResendSMS(): Promise<View>;
  UseMFAMethod(method: string): Promise<View>;
  SubmitPhone(phone: string): Promise<View>;
  SubmitBackupCode(code: string): Promise<View>;
  ConfirmRecoveryCodes(): Promise<View>;
  CancelMFA(): Promise<View>;
  /** Asks where to save the backup codes (native save dialog) and writes them there. */
  SaveRecoveryCodes(): Promise<View>;
  ListOrganizations(): Promise<View>;
  SwitchOrganization(organizationId: string): Promise<View>;
  /** Asks the company's API who the member is; the request (and the session JWT) stays in Go. */
  CompanyAPIMe(): Promise<CompanyMe>;
  /** Subscribes to the backend's "state" event; returns an unsubscribe function. */
  onState(cb: (view: View) => void): () => void;
}

export const STATE_EVENT = "state";

// The subset of what Wails v2 injects (window.go.<pkg>.<Struct> and
// window.runtime) that we use. Declared here instead of importing the
// generated wailsjs/ files so the frontend builds and tests without Go.
// The bound Go methods (window.go.app.App) are exactly Backend's actions.
type WailsApp = Omit<Backend, "onState">;

interface WailsRuntime {
  EventsOn(name: string, cb: (...data: unknown[]) => void): (() => void) | void;
  EventsOff(name: string, ...more: string[]): void;
  BrowserOpenURL(url: string): void;
}

declare global {
  interface Window {
    go?: { app?: { App?: WailsApp } };
    runtime?: WailsRuntime;
  }
}

/** True when running inside the Wails webview with the Go bindings present. */
export function hasWails(w: Window = window): boolean {
  return typeof w.go?.app?.App?.State === "function" && typeof w.runtime?.EventsOn === "function";
}

/** The real backend: thin forwarding to the Go methods Wails bound. */
export function wailsBackend(w: Window = window): Backend {
  const app = w.go?.app?.App;
  const rt = w.runtime;
  if (!app || !rt) {
    throw new Error("wailsBackend: Wails bindings (window.go.app.App, window.runtime) are missing");
  }
  return {
    State: () => app.State(),
    SendLink: (email) => app.SendLink(email),
    Resend: () => app.Resend(),
    UseAnotherEmail: () => app.UseAnotherEmail(),
    SubmitLink: (link) => app.SubmitLink(link),
    RedeemCode: (code) => app.RedeemCode(code),
    ChooseOrganization: (id) => app.ChooseOrganization(id),
    CreateOrganization: (name, slug) => app.CreateOrganization(name, slug),
    BackToOrganizations: () => app.BackToOrganizations(),
    SignOut: () => app.SignOut(),
    OpenInbox: () => app.OpenInbox(),
    DismissNotice: () => app.DismissNotice(),
    RetryRestore: () => app.RetryRestore(),
    SuggestSlug: (name) => app.SuggestSlug(name),
    StartOAuth: (provider) => app.StartOAuth(provider),
    StartSSO: (organizationId, connectionId) => app.StartSSO(organizationId, connectionId),
    CancelBrowser: () => app.CancelBrowser(),
    SubmitMFACode: (code) => app.SubmitMFACode(code),
    ResendSMS: () => app.ResendSMS(),
    UseMFAMethod: (method) => app.UseMFAMethod(method),
    SubmitPhone: (phone) => app.SubmitPhone(phone),
    SubmitBackupCode: (code) => app.SubmitBackupCode(code),
    ConfirmRecoveryCodes: () => app.ConfirmRecoveryCodes(),
    CancelMFA: () => app.CancelMFA(),
    SaveRecoveryCodes: () => app.SaveRecoveryCodes(),
    ListOrganizations: () => app.ListOrganizations(),
    SwitchOrganization: (id) => app.SwitchOrganization(id),
    CompanyAPIMe: () => app.CompanyAPIMe(),
    onState(cb) {
      // Go's EventsEmit(ctx, "state", view) delivers the view as the first argument.
      const off = rt.EventsOn(STATE_EVENT, (data: unknown) => cb(data as View));
      return typeof off === "function" ? off : () => rt.EventsOff(STATE_EVENT);
    },
  };
}
