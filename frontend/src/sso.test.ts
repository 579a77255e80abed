import { describe, expect, it } from "vitest";
import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { DemoBackend } from "./lib/demo";
import { SAMPLE_ORGS, sampleView } from "./lib/samples";
import { browserText, canUseSSO, providerName } from "./lib/sso";
import type { View } from "./lib/types";

// The SSO / OAuth screens, driven through the fake backend with the same
// sequences the Go flows produce (app/signin/sso_test.go).

function setup(view: View) {
  const backend = new DemoBackend(view);
  const user = userEvent.setup();
  render(App, { props: { backend } });
  return { backend, user };
}

const calls = (b: DemoBackend, method: string) => b.calls.filter((c) => c[0] === method);

describe("first screen", () => {
  it("offers the configured providers and opens the browser for one", async () => {
    const { backend, user } = setup(sampleView("signed_out"));
    const group = await screen.findByRole("group", { name: "Other ways to sign in" });
    const buttons = within(group).getAllByRole("button");
    expect(buttons.map((b) => b.textContent?.trim())).toEqual(["Continue with Google", "Continue with Microsoft"]);

    await user.click(screen.getByRole("button", { name: "Continue with Microsoft" }));
    expect(calls(backend, "StartOAuth")).toEqual([["StartOAuth", "microsoft"]]);
    expect(await screen.findByRole("heading", { level: 1, name: "Continue with Microsoft" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent(/waiting for your browser/i);
  });

  // Issue 22 #1: leaving the email field for a provider button must not
  // validate it (the message would move the buttons under the pointer
  // between press and release); nor does leaving it empty.
  it("going from the email field to another way of signing in shows no email error", async () => {
    for (const typed of ["", "ada@"]) {
      const { backend, user } = setup(sampleView("signed_out"));
      const input = await screen.findByLabelText("Work email");
      await user.click(input);
      if (typed) await user.type(input, typed);
      const google = screen.getByRole("button", { name: "Continue with Google" });
      // Pressed, not yet released: focus has moved, nothing may have appeared.
      await user.pointer({ keys: "[MouseLeft>]", target: google });
      expect(google).toHaveFocus();
      expect(screen.queryByText("Enter your work email address.")).not.toBeInTheDocument();
      expect(screen.queryByText(/name@company\.com/)).not.toBeInTheDocument();
      await user.pointer({ keys: "[/MouseLeft]", target: google });
      expect(calls(backend, "StartOAuth")).toEqual([["StartOAuth", "google"]]);
      document.body.innerHTML = "";
    }
  });

  it("an empty field left for elsewhere stays quiet; a typed one is checked after the click", async () => {
    const { user } = setup(sampleView("signed_out"));
    const input = await screen.findByLabelText("Work email");
    await user.click(input);
    await user.click(screen.getByRole("heading", { name: "Sign in" }));
    expect(screen.queryByText("Enter your work email address.")).not.toBeInTheDocument();
    await user.type(input, "ada@");
    await user.click(screen.getByRole("heading", { name: "Sign in" }));
    expect(await screen.findByText(/name@company\.com/)).toBeInTheDocument();
    expect(input).toHaveAttribute("aria-invalid", "true");
  });

  it("shows no buttons when no provider is configured, and SSO only in the direct mode", async () => {
    setup({ ...sampleView("signed_out"), oauthProviders: null, ssoAvailable: true });
    await screen.findByRole("heading", { name: "Sign in" });
    expect(screen.queryByRole("group", { name: "Other ways to sign in" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Sign in with SSO" })).not.toBeInTheDocument();
  });

  it("direct mode: Sign in with SSO starts at the configured organization", async () => {
    const { backend, user } = setup({ ...sampleView("signed_out"), directOrganization: "hooli" });
    await user.click(await screen.findByRole("button", { name: "Sign in with SSO" }));
    expect(calls(backend, "StartSSO")).toEqual([["StartSSO", "", ""]]);
    expect(await screen.findByRole("heading", { level: 1, name: "Sign in to hooli" })).toBeInTheDocument();
  });
});

describe("browser", () => {
  it("Cancel stops waiting", async () => {
    const { backend, user } = setup(sampleView("browser"));
    await user.click(await screen.findByRole("button", { name: "Cancel" }));
    expect(calls(backend, "CancelBrowser")).toHaveLength(1);
    expect(await screen.findByRole("heading", { level: 1, name: "Sign in" })).toBeInTheDocument();
  });

  it("has the paste-the-link fallback", async () => {
    const { backend, user } = setup({
      ...sampleView("browser"),
      browser: { kind: "sso", connection: "Okta", organization: "Hooli" },
    });
    expect(await screen.findByRole("heading", { level: 1, name: "Sign in to Hooli" })).toBeInTheDocument();
    expect(screen.getByText(/finish signing in with okta/i)).toBeInTheDocument();
    await user.click(screen.getByText("Browser didn't bring you back? Paste the link here"));
    await user.type(screen.getByLabelText("Sign-in link"), "stytch-desktop://auth/callback?stytch_token_type=sso&token=x{Enter}");
    expect(calls(backend, "SubmitLink")).toHaveLength(1);
    expect(await screen.findByRole("heading", { name: /you're signed in/i })).toBeInTheDocument();
  });

  it("says when the browser did not open", async () => {
    setup({ ...sampleView("signed_out"), notice: { kind: "browser_unavailable" } });
    expect(await screen.findByRole("alert")).toHaveTextContent(/browser didn't open/i);
  });
});

describe("SSO organizations", () => {
  it("an SSO-only organization offers Sign in with SSO, which asks which connection", async () => {
    const { backend, user } = setup(sampleView("choosing_organization"));
    const list = await screen.findByRole("list");
    const row = within(list).getAllByRole("listitem")[4];
    expect(within(row).getByText("Signs in with SSO")).toBeInTheDocument();
    await user.click(within(row).getByRole("button", { name: "Sign in to Hooli with SSO" }));
    expect(calls(backend, "ChooseOrganization")).toEqual([["ChooseOrganization", "organization-test-hooli"]]);

    expect(await screen.findByRole("heading", { level: 1, name: "Sign in to Hooli" })).toBeInTheDocument();
    const conns = within(screen.getByRole("list")).getAllByRole("button");
    expect(conns.map((b) => b.textContent?.trim())).toEqual(["Sign in with Okta", "Sign in with Microsoft Entra ID"]);
    await user.click(screen.getByRole("button", { name: "Sign in with Microsoft Entra ID" }));
    expect(calls(backend, "StartSSO")).toEqual([["StartSSO", "organization-test-hooli", "oidc-connection-test-entra"]]);
    expect(await screen.findByText(/finish signing in with microsoft entra id/i)).toBeInTheDocument();
  });

  it("connection choice: Cancel goes back to the list", async () => {
    const { backend, user } = setup({ ...sampleView("choosing_sso_connection"), organizations: SAMPLE_ORGS });
    await user.click(await screen.findByRole("button", { name: "Cancel" }));
    expect(calls(backend, "CancelBrowser")).toHaveLength(1);
    expect(await screen.findByRole("heading", { name: "Choose an organization" })).toBeInTheDocument();
  });

  it("an organization with SSO that also takes links offers both", async () => {
    const view = sampleView("choosing_organization");
    view.organizations![0].ssoConnections = [{ id: "saml-connection-test-a", displayName: "Okta", identityProvider: "okta" }];
    const { backend, user } = setup(view);
    await user.click(await screen.findByRole("button", { name: "Sign in to Acme Corp with SSO" }));
    expect(calls(backend, "StartSSO")).toEqual([["StartSSO", "organization-test-acme", ""]]);
  });

  it("needs_more_auth offers SSO when the organization has connections", async () => {
    const org = { ...SAMPLE_ORGS[4], ssoRequired: false, ssoDefaultConnectionId: "saml-connection-test-okta" };
    const { backend, user } = setup({ ...sampleView("needs_more_auth"), organization: org });
    await user.click(await screen.findByRole("button", { name: "Sign in with SSO" }));
    expect(calls(backend, "StartSSO")).toEqual([["StartSSO", "organization-test-hooli", ""]]);
  });
});

describe("lib/sso", () => {
  it("names providers and describes the browser step", () => {
    expect(providerName("google")).toBe("Google");
    expect(providerName("other")).toBe("other");
    expect(browserText({ kind: "oauth_discovery", provider: "google" }).title).toBe("Continue with Google");
    expect(browserText({ kind: "sso", organization: "Acme" }).body).toMatch(/identity provider/);
    expect(browserText(null).title).toBe("Continue in your browser");
    expect(canUseSSO({ ssoAvailable: false }, SAMPLE_ORGS[4])).toBe(false);
    expect(canUseSSO({ ssoAvailable: true }, SAMPLE_ORGS[0])).toBe(false);
    expect(canUseSSO({ ssoAvailable: true }, SAMPLE_ORGS[4])).toBe(true);
  });
});
