import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, within, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import App from "./App.svelte";
import { DemoBackend } from "./lib/demo";
import { SAMPLE_ORGS, sampleView } from "./lib/samples";
import type { Screen, View } from "./lib/types";

function setup(view: View, props: { startCreating?: boolean } = {}) {
  const backend = new DemoBackend(view);
  const user = userEvent.setup();
  const result = render(App, { props: { backend, ...props } });
  return { backend, user, ...result };
}

const methodCalls = (b: DemoBackend, method: string) => b.calls.filter((c) => c[0] === method);

afterEach(() => {
  vi.useRealTimers();
});

describe("App renders the screen named by view.screen", () => {
  it.each<[Screen, RegExp]>([
    ["restoring", /checking your session/i],
    ["signed_out", /^sign in$/i],
    ["link_sent", /check your email/i],
    ["completing", /finishing sign-in/i],
    ["choosing_organization", /choose an organization/i],
    ["entering", /signing you in to acme corp/i],
    ["needs_more_auth", /extra verification required/i],
    ["signed_in", /you're signed in/i],
  ])("%s", async (s, heading) => {
    setup(sampleView(s));
    expect(await screen.findByRole("heading", { level: 1, name: heading })).toBeInTheDocument();
    expect(screen.getByText("stytch-desktop")).toBeInTheDocument();
  });

  it("progress screens are status regions", async () => {
    setup(sampleView("completing"));
    await screen.findByRole("heading", { name: /finishing sign-in/i });
    expect(screen.getByRole("status")).toHaveTextContent(/finishing sign-in/i);
  });

  it("entering names the organization that was clicked when the view doesn't", async () => {
    const { backend, user } = setup(sampleView("choosing_organization"));
    // The backend replies "entering" without naming the organization.
    backend.ChooseOrganization = vi.fn(async () => {
      const v: View = { ...backend.view, screen: "entering" };
      backend.emit(v);
      return v;
    });
    await user.click(await screen.findByRole("button", { name: "Join Umbrella Labs" }));
    expect(await screen.findByRole("heading", { name: "Signing you in to Umbrella Labs…" })).toBeInTheDocument();
  });
});

describe("signed_out", () => {
  it("submitting the form sends the typed email", async () => {
    const { backend, user } = setup(sampleView("signed_out"));
    const input = await screen.findByLabelText("Work email");
    await user.type(input, "ada@example.com{Enter}");
    expect(methodCalls(backend, "SendLink")).toEqual([["SendLink", "ada@example.com"]]);
    expect(await screen.findByRole("heading", { name: /check your email/i })).toBeInTheDocument();
  });

  it("validates only after blur or submit, and doesn't send an invalid address", async () => {
    const { backend, user } = setup(sampleView("signed_out"));
    const input = await screen.findByLabelText("Work email");
    await user.type(input, "ada@");
    expect(screen.queryByText(/name@company\.com/)).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: /email me a sign-in link/i }));
    expect(screen.getByText(/enter an address like name@company\.com/i)).toBeInTheDocument();
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription(/name@company\.com/);
    expect(input).toHaveFocus();
    expect(methodCalls(backend, "SendLink")).toHaveLength(0);
    // Fixing it clears the message as you type.
    await user.type(input, "example.com");
    expect(screen.queryByText(/name@company\.com/)).not.toBeInTheDocument();
  });

  it("pre-fills the email, names the configured organization and shows the notice", async () => {
    setup({ ...sampleView("signed_out"), email: "ada@example.com", directOrganization: "acme", notice: { kind: "session_expired" } });
    expect(await screen.findByRole("heading", { name: "Sign in to acme" })).toBeInTheDocument();
    expect(screen.getByLabelText("Work email")).toHaveValue("ada@example.com");
    expect(screen.getByText("Your session ended. Sign in again.")).toBeInTheDocument();
  });

  it("direct mode greets with the organization's name once known, never with its raw id", async () => {
    const id = "organization-test-76f1a2b3-0000-4000-8000-000000000000";
    const { unmount } = setup({ ...sampleView("signed_out"), directOrganization: id });
    expect(await screen.findByRole("heading", { level: 1, name: "Sign in to your organization" })).toBeInTheDocument();
    expect(screen.queryByText(new RegExp(id))).not.toBeInTheDocument();
    unmount();
    setup({ ...sampleView("signed_out"), directOrganization: id, directOrganizationName: "Fortress Bank" });
    expect(await screen.findByRole("heading", { level: 1, name: "Sign in to Fortress Bank" })).toBeInTheDocument();
  });

  it("busy disables the button so a double click can't send twice", async () => {
    setup({ ...sampleView("signed_out"), email: "ada@example.com", busy: true });
    const button = await screen.findByRole("button", { name: /email me a sign-in link/i });
    expect(button).toBeDisabled();
    expect(button).toHaveAttribute("aria-busy", "true");
  });
});

describe("link_sent", () => {
  it("shows the address, waits politely and counts down to resend", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval", "setTimeout", "clearTimeout"] });
    const now = Date.now();
    setup({ ...sampleView("link_sent"), resendAfter: new Date(now + 3000).toISOString() });
    await vi.advanceTimersByTimeAsync(0);
    expect(screen.getByText("ada@example.com")).toBeInTheDocument();
    expect(screen.getByText(/waiting for you to open the link/i)).toHaveAttribute("aria-live", "polite");
    expect(screen.getByRole("button", { name: "Resend in 3 s" })).toBeDisabled();
    await vi.advanceTimersByTimeAsync(1000);
    expect(screen.getByRole("button", { name: "Resend in 2 s" })).toBeDisabled();
    await vi.advanceTimersByTimeAsync(2000);
    expect(screen.getByRole("button", { name: "Resend link" })).toBeEnabled();
  });

  it("resend and use another email call the backend", async () => {
    const { backend, user } = setup({ ...sampleView("link_sent"), resendAfter: new Date(Date.now() - 1000).toISOString() });
    await user.click(await screen.findByRole("button", { name: "Resend link" }));
    expect(methodCalls(backend, "Resend")).toHaveLength(1);
    await user.click(screen.getByRole("button", { name: "Use another email" }));
    expect(methodCalls(backend, "UseAnotherEmail")).toHaveLength(1);
    // Back on email entry, with the address kept and the field focused.
    const input = await screen.findByLabelText("Work email");
    expect(input).toHaveValue("ada@example.com");
    await waitFor(() => expect(input).toHaveFocus());
  });

  it("the paste box submits the pasted link", async () => {
    const { backend, user } = setup(sampleView("link_sent"));
    await user.click(await screen.findByText("Link not opening? Paste it here"));
    const box = screen.getByLabelText("Sign-in link");
    const submit = screen.getByRole("button", { name: "Sign in with this link" });
    expect(submit).toBeDisabled();
    await user.type(box, "  stytch-desktop://auth?stytch_token_type=discovery&token=abc  ");
    await user.click(submit);
    expect(methodCalls(backend, "SubmitLink")).toEqual([
      ["SubmitLink", "stytch-desktop://auth?stytch_token_type=discovery&token=abc"],
    ]);
    expect(await screen.findByRole("heading", { name: "Choose an organization" })).toBeInTheDocument();
  });

  it("a malformed paste reopens the box with the explanation", async () => {
    const { user } = setup(sampleView("link_sent"));
    await user.click(await screen.findByText("Link not opening? Paste it here"));
    await user.type(screen.getByLabelText("Sign-in link"), "hello{Enter}");
    expect(await screen.findByRole("alert")).toHaveTextContent(/isn't a stytch-desktop sign-in link/i);
  });
});

describe("choosing_organization", () => {
  it("lists organizations with the action that fits the membership", async () => {
    const { backend, user } = setup(sampleView("choosing_organization"));
    const list = await screen.findByRole("list");
    const rows = within(list).getAllByRole("listitem");
    expect(rows).toHaveLength(SAMPLE_ORGS.length);
    const expected: [string, string][] = [
      ["Continue to Acme Corp", "Continue"],
      ["Accept invitation to Globex", "Accept invitation"],
      ["Continue to Initech", "Continue"],
      ["Join Umbrella Labs", "Join"],
    ];
    expected.forEach(([name, text], i) => {
      const button = within(rows[i]).getByRole("button", { name });
      expect(button).toHaveTextContent(text);
    });
    expect(within(rows[0]).getByText("acme")).toBeInTheDocument();
    expect(within(rows[2]).getByText("Requires extra verification")).toBeInTheDocument();
    expect(within(rows[0]).queryByText("Requires extra verification")).not.toBeInTheDocument();
    // The note is announced with the button, not only shown next to it.
    expect(within(rows[2]).getByRole("button", { name: "Continue to Initech" })).toHaveAccessibleDescription(
      "Requires extra verification",
    );
    expect(within(rows[0]).getByRole("button", { name: "Continue to Acme Corp" })).not.toHaveAccessibleDescription();

    await user.click(screen.getByRole("button", { name: "Accept invitation to Globex" }));
    expect(methodCalls(backend, "ChooseOrganization")).toEqual([["ChooseOrganization", "organization-test-globex"]]);
  });

  it("shows a logo with alt text, or initials", async () => {
    const view = sampleView("choosing_organization");
    view.organizations![0].logoUrl = "https://cdn.example.com/acme.png";
    view.organizations![1].logoUrl = "javascript:alert(1)";
    setup(view);
    expect(await screen.findByRole("img", { name: "Acme Corp logo" })).toHaveAttribute("src", "https://cdn.example.com/acme.png");
    expect(screen.queryByRole("img", { name: "Globex logo" })).not.toBeInTheDocument();
    expect(screen.getByText("G")).toBeInTheDocument();
  });

  it("empty state offers creating one", async () => {
    const { user } = setup({ ...sampleView("choosing_organization"), organizations: null });
    expect(await screen.findByRole("heading", { name: "No organizations yet for ada@example.com" })).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Create an organization" }));
    expect(await screen.findByRole("heading", { name: "Create an organization" })).toBeInTheDocument();
  });
});

describe("create organization", () => {
  it("suggests the slug from the name until the slug is edited, then creates", async () => {
    const { backend, user } = setup(sampleView("choosing_organization"));
    await user.click(await screen.findByRole("button", { name: "Create an organization" }));
    const name = screen.getByLabelText("Name");
    const slug = screen.getByLabelText("Slug");
    await waitFor(() => expect(name).toHaveFocus());
    await user.type(name, "Café Crème");
    await waitFor(() => expect(slug).toHaveValue("cafe-creme"));
    await user.clear(slug);
    await user.type(slug, "creme");
    await user.type(name, " GmbH");
    expect(slug).toHaveValue("creme");
    await user.click(screen.getByRole("button", { name: "Create organization" }));
    expect(methodCalls(backend, "CreateOrganization")).toEqual([["CreateOrganization", "Café Crème GmbH", "creme"]]);
    expect(await screen.findByRole("heading", { name: "You're signed in" })).toBeInTheDocument();
  });

  it("shows slug_taken at the slug field, and clears it when the slug changes", async () => {
    const { backend, user } = setup(sampleView("choosing_organization"), { startCreating: true });
    await user.type(await screen.findByLabelText("Name"), "Acme");
    const slug = screen.getByLabelText("Slug");
    await waitFor(() => expect(slug).toHaveValue("acme")); // "acme" is already used by a sample org
    await user.click(screen.getByRole("button", { name: "Create organization" }));
    expect(methodCalls(backend, "CreateOrganization")).toEqual([["CreateOrganization", "Acme", "acme"]]);
    expect(await screen.findByText("That URL slug is taken — try another")).toBeInTheDocument();
    // The backend passed through "entering" (as the real one does): the form
    // and what was typed are still there.
    expect(screen.getByRole("heading", { level: 1, name: "Create an organization" })).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveValue("Acme");
    expect(slug).toHaveValue("acme");
    expect(slug).toHaveAttribute("aria-invalid", "true");
    expect(slug).toHaveAccessibleDescription(/taken/);
    await waitFor(() => expect(slug).toHaveFocus());
    // Not also shown as a banner.
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    await user.type(slug, "2");
    expect(screen.queryByText("That URL slug is taken — try another")).not.toBeInTheDocument();
  });

  it("validates name and slug before sending", async () => {
    const { backend, user } = setup(sampleView("choosing_organization"), { startCreating: true });
    await screen.findByLabelText("Name");
    await user.click(screen.getByRole("button", { name: "Create organization" }));
    expect(screen.getByText(/enter a name/i)).toBeInTheDocument();
    expect(screen.getByLabelText("Name")).toHaveFocus();
    await user.type(screen.getByLabelText("Name"), "X");
    await user.clear(screen.getByLabelText("Slug"));
    await user.type(screen.getByLabelText("Slug"), "Bad Slug");
    await user.click(screen.getByRole("button", { name: "Create organization" }));
    expect(screen.getByText(/lowercase letters, digits, and/i)).toBeInTheDocument();
    expect(methodCalls(backend, "CreateOrganization")).toHaveLength(0);
  });

  it("Back returns to the list", async () => {
    const { user } = setup(sampleView("choosing_organization"), { startCreating: true });
    await user.click(await screen.findByRole("button", { name: "Back" }));
    expect(await screen.findByRole("heading", { name: "Choose an organization" })).toBeInTheDocument();
  });
});

describe("resend after Stytch's 429", () => {
  it("Resend is closed with a countdown for Retry-After, then opens", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval", "setTimeout", "clearTimeout"] });
    const now = Date.now();
    const backend = new DemoBackend({ ...sampleView("link_sent"), resendAfter: new Date(now - 1000).toISOString() });
    render(App, { props: { backend } });
    await vi.advanceTimersByTimeAsync(0);
    backend.failNext({ kind: "rate_limited", retryAfterSeconds: 20 });
    screen.getByRole("button", { name: "Resend link" }).click();
    await vi.advanceTimersByTimeAsync(0);
    expect(screen.getByRole("alert")).toHaveTextContent("Wait 20 s");
    expect(screen.getByRole("button", { name: "Resend in 20 s" })).toBeDisabled();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(screen.getByRole("button", { name: "Resend in 5 s" })).toBeDisabled();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(screen.getByRole("button", { name: "Resend link" })).toBeEnabled();
  });

  it("counts from the notice even when the view's resendAfter has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setInterval", "clearInterval", "setTimeout", "clearTimeout"] });
    setup({
      ...sampleView("link_sent"),
      resendAfter: new Date(Date.now() - 1000).toISOString(),
      notice: { kind: "rate_limited", retryAfterSeconds: 20 },
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(screen.getByRole("button", { name: "Resend in 20 s" })).toBeDisabled();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(screen.getByRole("button", { name: "Resend link" })).toBeEnabled();
  });
});

describe("needs_more_auth and signed_in", () => {
  it("needs_more_auth after a discovery goes back to the organization list", async () => {
    const { backend, user } = setup({ ...sampleView("needs_more_auth"), organizations: SAMPLE_ORGS.map((o) => ({ ...o })) });
    expect(await screen.findByText(/choose another organization\./i)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Start over" })).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Choose another organization" }));
    expect(methodCalls(backend, "BackToOrganizations")).toHaveLength(1);
    expect(methodCalls(backend, "UseAnotherEmail")).toHaveLength(0);
    expect(await screen.findByRole("heading", { name: "Choose an organization" })).toBeInTheDocument();
    expect(screen.getAllByRole("listitem")).toHaveLength(SAMPLE_ORGS.length);
  });

  it("needs_more_auth explains and starts over", async () => {
    const { backend, user } = setup(sampleView("needs_more_auth"));
    expect(await screen.findByText(/Initech requires another sign-in method/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Start over" }));
    expect(methodCalls(backend, "UseAnotherEmail")).toHaveLength(1);
  });

  it("signed_in shows member, organization, session end, offline and keychain warning; signs out", async () => {
    const view = {
      ...sampleView("signed_in"),
      sessionExpiresAt: "2030-01-02T03:04:00Z",
      offline: true,
      keychainWarning: "not_remembered" as const,
      roles: ["stytch_member", "stytch_admin"],
    };
    const { backend, user } = setup(view);
    expect(await screen.findByText("Ada Lovelace")).toBeInTheDocument();
    expect(screen.getByText("Roles")).toBeInTheDocument();
    expect(screen.getByText("stytch_member, stytch_admin")).toBeInTheDocument();
    expect(screen.getByText("ada@example.com")).toBeInTheDocument();
    expect(screen.getByText("Acme Corp")).toBeInTheDocument();
    expect(screen.getByText(/^Session ends .*2030/)).toBeInTheDocument();
    expect(screen.getByText("Offline")).toBeInTheDocument();
    expect(screen.getByText("Your keychain isn't available, so you'll need to sign in again next time.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(methodCalls(backend, "SignOut")).toHaveLength(1);
    expect(await screen.findByLabelText("Work email")).toBeInTheDocument();
  });

  it.each<Screen>(["signed_out", "link_sent", "signed_in"])("view.warning stays on %s, with no Dismiss", async (s) => {
    setup({ ...sampleView(s), warning: "single_instance_unavailable" });
    const alert = await screen.findByText(/can't make sure only one copy of it runs/);
    expect(alert.closest("[role=alert]")).not.toBeNull();
    expect(within(alert.closest("[role=alert]") as HTMLElement).queryByRole("button", { name: /dismiss/i })).toBeNull();
  });

  it("online and remembered: no badge, no warning", async () => {
    setup(sampleView("signed_in"));
    await screen.findByText("Ada Lovelace");
    expect(screen.queryByText("Offline")).not.toBeInTheDocument();
    expect(screen.queryByText("Roles")).not.toBeInTheDocument(); // none in the view: no empty row
    expect(screen.queryByText(/keychain isn't available/)).not.toBeInTheDocument();
  });
});

describe("notices and banners", () => {
  it("shows an error in an alert with a dismiss button", async () => {
    const { backend, user } = setup({ ...sampleView("signed_out"), notice: { kind: "rate_limited", retryAfterSeconds: 42 } });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Wait 42 s");
    expect(within(alert).queryByRole("button", { name: "Retry" })).not.toBeInTheDocument();
    await user.click(within(alert).getByRole("button", { name: "Dismiss message" }));
    expect(methodCalls(backend, "DismissNotice")).toHaveLength(1);
    await waitFor(() => expect(screen.queryByRole("alert")).not.toBeInTheDocument());
  });

  it("a keychain locked at start-up offers Retry, which reads the keychain again", async () => {
    const { backend, user } = setup({ ...sampleView("signed_out"), notice: { kind: "keychain_locked" } });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(/keychain is locked/i);
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(methodCalls(backend, "RetryRestore")).toHaveLength(1);
  });

  it("Retry repeats the action that failed with a network error", async () => {
    const { backend, user } = setup(sampleView("signed_out"));
    let fail = true;
    const real = backend.SendLink.bind(backend);
    backend.SendLink = vi.fn(async (email: string) => {
      if (!fail) return real(email);
      const v: View = { ...backend.view, notice: { kind: "network" } };
      backend.emit(v);
      return v;
    });
    await user.type(await screen.findByLabelText("Work email"), "ada@example.com{Enter}");
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(/can't reach stytch/i);
    fail = false;
    await user.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(backend.SendLink).toHaveBeenCalledTimes(2);
    expect(backend.SendLink).toHaveBeenLastCalledWith("ada@example.com");
    expect(await screen.findByRole("heading", { name: "Check your email" })).toBeInTheDocument();
  });

  // Issue 22 #3: just after a sign-in the session is still being stored
  // (busy, nothing started on this screen). That must not read as "signing out".
  it("signed_in while the app stores the session: says so, Sign out shows no spinner", async () => {
    const { backend, user } = setup({ ...sampleView("signed_in"), busy: true });
    const signOut = await screen.findByRole("button", { name: "Sign out" });
    expect(signOut).toBeDisabled();
    expect(signOut).not.toHaveAttribute("aria-busy", "true");
    expect(signOut.querySelector(".spinner")).toBeNull();
    expect(screen.getByRole("status")).toHaveTextContent("Saving your session on this computer…");
    // Stored: nothing busy is left, and Sign out is the user's to press.
    backend.emit({ ...sampleView("signed_in"), busy: false, seq: 99 });
    await waitFor(() => expect(signOut).not.toBeDisabled());
    expect(screen.queryByText("Saving your session on this computer…")).not.toBeInTheDocument();
    // Pressed by the user, it is Sign out that works.
    let finish!: () => void;
    backend.SignOut = vi.fn(() => new Promise<View>((r) => (finish = () => r({ ...sampleView("signed_out"), seq: 100 }))));
    await user.click(signOut);
    expect(signOut).toHaveAttribute("aria-busy", "true");
    expect(signOut.querySelector(".spinner")).not.toBeNull();
    expect(screen.queryByText("Saving your session on this computer…")).not.toBeInTheDocument();
    finish();
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeInTheDocument();
  });

  it("a rejected call shows the unknown notice instead of failing silently", async () => {
    const { backend, user } = setup(sampleView("signed_in"));
    backend.SignOut = vi.fn(async () => {
      throw new Error("binding missing");
    });
    vi.spyOn(console, "error").mockImplementation(() => {});
    await user.click(await screen.findByRole("button", { name: "Sign out" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(/something went wrong/i);
  });

  it("local mode shows the banner and opens the inbox", async () => {
    const { backend, user } = setup({ ...sampleView("link_sent"), mode: "local", inboxUrl: "http://127.0.0.1:1/" });
    expect(await screen.findByText("Local Stytch-compatible API — no real email is sent.")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Open inbox" }));
    expect(methodCalls(backend, "OpenInbox")).toHaveLength(1);
  });

  it("direct mode has no local banner", async () => {
    setup(sampleView("link_sent"));
    await screen.findByRole("heading", { name: "Check your email" });
    expect(screen.queryByRole("button", { name: "Open inbox" })).not.toBeInTheDocument();
  });
});

describe("state events and focus", () => {
  it("a view older than the one shown is dropped (events and results can cross)", async () => {
    const { backend } = setup({ ...sampleView("signed_out"), seq: 5 });
    await screen.findByLabelText("Work email");
    backend.emit({ ...sampleView("link_sent"), seq: 7 });
    await screen.findByRole("heading", { name: /check your email/i });
    backend.emit({ ...sampleView("link_sent"), busy: true, seq: 6 }); // late
    await tick();
    expect(screen.getByRole("button", { name: /use another email/i })).not.toBeDisabled();
  });

  it("renders views pushed by the backend and moves focus to the new heading", async () => {
    const { backend } = setup(sampleView("link_sent"));
    await screen.findByRole("heading", { name: "Check your email" });
    backend.emit(sampleView("completing"));
    const completing = await screen.findByRole("heading", { name: "Finishing sign-in…" });
    await waitFor(() => expect(completing).toHaveFocus());
    expect(completing).toHaveAttribute("tabindex", "-1");
    backend.emit(sampleView("choosing_organization"));
    const choose = await screen.findByRole("heading", { name: "Choose an organization" });
    await waitFor(() => expect(choose).toHaveFocus());
  });

  it("does not steal focus when the same screen updates", async () => {
    const { backend } = setup({ ...sampleView("link_sent"), resendAfter: "" });
    const resend = await screen.findByRole("button", { name: "Resend link" });
    await waitFor(() => expect(screen.getByRole("heading", { name: "Check your email" })).toHaveFocus());
    resend.focus();
    backend.emit({ ...backend.view, notice: { kind: "rate_limited", retryAfterSeconds: 5 } });
    await screen.findByRole("alert");
    await tick();
    expect(resend).toHaveFocus();
  });

  it("every control has an accessible name", async () => {
    for (const s of ["signed_out", "link_sent", "choosing_organization", "signed_in", "needs_more_auth"] as Screen[]) {
      const { unmount } = setup({ ...sampleView(s), mode: "local", notice: { kind: "network" } });
      await screen.findByRole("heading", { level: 1 });
      for (const el of [...screen.queryAllByRole("button"), ...screen.queryAllByRole("textbox")]) {
        expect(el, `${s}: ${el.outerHTML}`).toHaveAccessibleName();
      }
      unmount();
    }
  });
});

describe("About line", () => {
  it("names the broker or API host this build signs in through", async () => {
    const fake = new DemoBackend({ ...sampleView("signed_out"), mode: "broker", backend: "https://auth.example.com:8443" });
    render(App, { props: { backend: fake } });
    expect(await screen.findByText("auth.example.com:8443")).toBeInTheDocument();
  });
  it("is absent in local mode", async () => {
    const fake = new DemoBackend({ ...sampleView("signed_out"), mode: "local" });
    render(App, { props: { backend: fake } });
    await screen.findByRole("heading", { level: 1 });
    expect(screen.queryByText(/Signs in through/)).toBeNull();
  });
});

describe("the first view handed over before the module ran (/first-view.js)", () => {
  it("paints the real screen at once, without 'Checking your session…' and before State answers", () => {
    const backend = new DemoBackend(sampleView("signed_out"));
    let answer: (v: View) => void = () => {};
    backend.State = () => new Promise<View>((resolve) => (answer = resolve));
    render(App, { props: { backend, initial: { ...sampleView("signed_in"), seq: 5 } } });
    // Synchronously after mount: no await, no round trip.
    expect(screen.getByRole("heading", { level: 1, name: /you're signed in/i })).toBeInTheDocument();
    expect(screen.queryByRole("heading", { name: /checking your session/i })).toBeNull();
    answer({ ...sampleView("signed_in"), seq: 5 });
  });

  it("State's answer still wins when it is newer (a change nobody heard before the subscription)", async () => {
    const backend = new DemoBackend({ ...sampleView("signed_out"), seq: 7 });
    render(App, { props: { backend, initial: { ...sampleView("restoring"), seq: 3 } } });
    expect(await screen.findByRole("heading", { level: 1, name: /^sign in$/i })).toBeInTheDocument();
  });

  it("an older State answer does not take the screen back", async () => {
    const backend = new DemoBackend({ ...sampleView("signed_out"), seq: 2 });
    render(App, { props: { backend, initial: { ...sampleView("signed_in"), seq: 4 } } });
    await tick();
    await new Promise((r) => setTimeout(r, 0));
    expect(screen.getByRole("heading", { level: 1, name: /you're signed in/i })).toBeInTheDocument();
  });
});

// Go's rule (app/signin/machine.go): seq grows with every change of the
// sign-in state, so two views with the same seq show the same state, and the
// one already shown may be the more complete one (app/lifecycle adds the
// run-wide warning to the views it forwards; an answer straight from the
// flows lacks it). Only seq 0 has two states: before the flows change
// anything, the lifecycle's start-up views (restoring, then a start failure)
// both carry it.
describe("a view is applied only when it is newer than the one shown", () => {
  const warned = (v: View): View => ({ ...v, warning: "single_instance_unavailable" });

  it("an answer with the shown seq does not replace it: the warning stays after saving backup codes", async () => {
    const shown = warned({ ...sampleView("mfa_recovery_codes"), seq: 9 });
    const { backend, user } = setup(shown);
    await screen.findByText(/can't make sure only one copy of it runs/);
    // Lifecycle.SaveRecoveryCodes answered with the flows' view: same state, no warning.
    backend.SaveRecoveryCodes = () => {
      const { warning: _w, ...bare } = shown;
      return Promise.resolve(bare);
    };
    await user.click(screen.getByRole("button", { name: "Save to a file…" }));
    await tick();
    expect(screen.getByText(/can't make sure only one copy of it runs/)).toBeInTheDocument();
  });

  it("an event with the shown seq does not replace it either", async () => {
    const { backend } = setup(warned({ ...sampleView("signed_in"), seq: 4 }));
    await screen.findByText(/can't make sure only one copy of it runs/);
    backend.emit({ ...sampleView("signed_in"), seq: 4 });
    await tick();
    expect(screen.getByText(/can't make sure only one copy of it runs/)).toBeInTheDocument();
  });

  it("at seq 0 the start failure replaces the restoring placeholder (event)", async () => {
    const { backend } = setup({ ...sampleView("restoring"), seq: 0 });
    await screen.findByRole("heading", { name: /checking your session/i });
    backend.emit({ ...sampleView("signed_out"), seq: 0, notice: { kind: "start_failed" } });
    expect(await screen.findByRole("heading", { level: 1, name: /^sign in$/i })).toBeInTheDocument();
  });

  it("at seq 0 State's start failure replaces the handed-over restoring view", async () => {
    const backend = new DemoBackend({ ...sampleView("signed_out"), seq: 0, notice: { kind: "start_failed" } });
    render(App, { props: { backend, initial: { ...sampleView("restoring"), seq: 0 } } });
    expect(await screen.findByRole("heading", { level: 1, name: /^sign in$/i })).toBeInTheDocument();
  });

  it("at seq 0 a late restoring view does not take back a start failure", async () => {
    const { backend } = setup({ ...sampleView("signed_out"), seq: 0, notice: { kind: "start_failed" } });
    await screen.findByRole("heading", { level: 1, name: /^sign in$/i });
    backend.emit({ ...sampleView("restoring"), seq: 0 });
    await tick();
    expect(screen.getByRole("heading", { level: 1, name: /^sign in$/i })).toBeInTheDocument();
  });
});
