import { afterEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { DemoBackend } from "./lib/demo";
import { SAMPLE_ORGS, SAMPLE_RECOVERY_CODES, sampleView } from "./lib/samples";
import type { Screen, View } from "./lib/types";

function setup(view: View) {
  const backend = new DemoBackend(view);
  const user = userEvent.setup();
  const result = render(App, { props: { backend } });
  return { backend, user, ...result };
}

const calls = (b: DemoBackend, method: string) => b.calls.filter((c) => c[0] === method);

afterEach(() => vi.useRealTimers());

describe("MFA screens", () => {
  it.each<[Screen, RegExp]>([
    ["mfa_sms", /enter the code we texted you/i],
    ["mfa_totp", /code from your authenticator app/i],
    ["mfa_backup_code", /use a backup code/i],
    ["mfa_enroll_choose", /set up two-step verification/i],
    ["mfa_enroll_phone", /add a phone number/i],
    ["mfa_enroll_totp", /set up your authenticator app/i],
    ["mfa_recovery_codes", /save your backup codes/i],
  ])("%s renders, focuses its first field or heading, and names every control", async (s, heading) => {
    setup({ ...sampleView(s), notice: { kind: "code_wrong" } });
    const h = await screen.findByRole("heading", { level: 1, name: heading });
    const first = document.querySelector<HTMLElement>("[data-autofocus]") ?? h;
    await waitFor(() => expect(first).toHaveFocus());
    for (const el of [...screen.queryAllByRole("button"), ...screen.queryAllByRole("textbox"), ...screen.queryAllByRole("checkbox")]) {
      expect(el, `${s}: ${el.outerHTML}`).toHaveAccessibleName();
    }
    expect(screen.getByRole("alert")).toHaveTextContent(/code isn't right/i);
  });

  it("text message: masked number, countdowns, pasted code, resend, cancel", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { backend, user } = setup(sampleView("mfa_sms"));
    expect(await screen.findByText("0123")).toBeInTheDocument();
    expect(screen.getByRole("timer")).toHaveTextContent(/expires in 2 min/);
    const resend = screen.getByRole("button", { name: /send a new code in 30 s/i });
    expect(resend).toBeDisabled();
    expect(screen.getByText(/finish within 10 min/i)).toBeInTheDocument();

    await user.type(screen.getByLabelText("6-digit code"), "123 456");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    expect(calls(backend, "SubmitMFACode")).toEqual([["SubmitMFACode", "123456"]]);
    expect(await screen.findByRole("heading", { name: /you're signed in/i })).toBeInTheDocument();
  });

  it("a short code is caught before sending", async () => {
    const { backend, user } = setup(sampleView("mfa_sms"));
    await user.type(await screen.findByLabelText("6-digit code"), "1234");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    expect(screen.getByText("Enter the 6 digits of the code.")).toBeInTheDocument();
    expect(screen.getByLabelText("6-digit code")).toHaveAttribute("aria-invalid", "true");
    expect(calls(backend, "SubmitMFACode")).toHaveLength(0);
  });

  it("resend once the wait is over; the count goes down", async () => {
    const view = sampleView("mfa_sms");
    view.mfa = { ...view.mfa!, resendAfter: new Date(Date.now() - 1000).toISOString() };
    const { backend, user } = setup(view);
    await user.click(await screen.findByRole("button", { name: "Send a new code" }));
    expect(calls(backend, "ResendSMS")).toHaveLength(1);
    expect(await screen.findByText("2 left")).toBeInTheDocument();
  });

  it("authenticator app: text me instead, backup code, and the wording of a used code", async () => {
    const { backend, user } = setup({ ...sampleView("mfa_totp"), notice: { kind: "code_used" } });
    expect(await screen.findByRole("alert")).toHaveTextContent(/already used/i);
    await user.click(screen.getByRole("button", { name: "Use a backup code" }));
    expect(calls(backend, "UseMFAMethod")).toEqual([["UseMFAMethod", "backup_code"]]);
    await screen.findByRole("heading", { name: "Use a backup code" });
    await user.type(screen.getByLabelText("Backup code"), "nope");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    expect(screen.getByText(/12 letters and digits/)).toBeInTheDocument();
    await user.clear(screen.getByLabelText("Backup code"));
    await user.type(screen.getByLabelText("Backup code"), SAMPLE_RECOVERY_CODES[0].toUpperCase());
    await user.click(screen.getByRole("button", { name: "Verify" }));
    expect(await screen.findByText(/9\s+backup codes are\s+left/)).toBeInTheDocument();
  });

  it("text me instead from the authenticator screen", async () => {
    const { backend, user } = setup(sampleView("mfa_totp"));
    await user.click(await screen.findByRole("button", { name: "Text me a code instead" }));
    expect(calls(backend, "UseMFAMethod")).toEqual([["UseMFAMethod", "sms_otp"]]);
    expect(await screen.findByRole("heading", { name: /texted you/i })).toBeInTheDocument();
  });

  it("enrollment: choose text message, an invalid number is caught, then the code", async () => {
    const { backend, user } = setup(sampleView("mfa_enroll_choose"));
    await user.click(await screen.findByRole("button", { name: /text message/i }));
    await screen.findByRole("heading", { name: "Add a phone number" });
    const field = screen.getByLabelText("Mobile number");
    await user.type(field, "555 555 0123");
    await user.click(screen.getByRole("button", { name: "Text me a code" }));
    expect(screen.getByText(/start with \+ and the country code/i)).toBeInTheDocument();
    expect(calls(backend, "SubmitPhone")).toHaveLength(0);
    await user.clear(field);
    await user.type(field, "+1 (555) 555-0177");
    await user.click(screen.getByRole("button", { name: "Text me a code" }));
    expect(calls(backend, "SubmitPhone")).toEqual([["SubmitPhone", "+1 (555) 555-0177"]]);
    expect(await screen.findByRole("heading", { name: "Confirm your phone number" })).toBeInTheDocument();
    expect(screen.getByText("0177")).toBeInTheDocument();
  });

  it("authenticator enrollment shows the QR code and secret, then the backup codes once, Copy and Save, and Continue after confirming", async () => {
    const { backend, user } = setup(sampleView("mfa_enroll_totp"));
    expect(await screen.findByRole("img", { name: /qr code/i })).toHaveAttribute("src", expect.stringMatching(/^data:image\/png;base64,/));
    expect(screen.getByLabelText("Setup key")).toHaveTextContent("JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP");
    await user.type(screen.getByLabelText("6-digit code from the app"), "654321");
    await user.click(screen.getByRole("button", { name: "Verify and continue" }));
    await screen.findByRole("heading", { name: "Save your backup codes" });
    const list = screen.getByRole("list", { name: "Backup codes" });
    expect(list.querySelectorAll("li")).toHaveLength(10);
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
    await user.click(screen.getByRole("button", { name: "Copy all" }));
    expect(writeText).toHaveBeenCalledWith(SAMPLE_RECOVERY_CODES.join("\n"));
    await user.click(screen.getByRole("button", { name: "Save to a file…" }));
    expect(calls(backend, "SaveRecoveryCodes")).toHaveLength(1);
    const cont = screen.getByRole("button", { name: "Continue" });
    expect(cont).toBeDisabled();
    await user.click(screen.getByRole("checkbox", { name: /i saved these codes/i }));
    await user.click(cont);
    expect(calls(backend, "ConfirmRecoveryCodes")).toHaveLength(1);
    expect(await screen.findByRole("heading", { name: /you're signed in/i })).toBeInTheDocument();
  });

  it("a QR code that isn't a PNG data URI is not shown", async () => {
    const view = sampleView("mfa_enroll_totp");
    view.mfa = { ...view.mfa!, totpQrCode: "https://evil.example/qr.png" };
    setup(view);
    await screen.findByRole("heading", { name: /set up your authenticator app/i });
    expect(screen.queryByRole("img")).not.toBeInTheDocument();
  });

  it("cancel during a sign-in starts over", async () => {
    const { backend, user } = setup(sampleView("mfa_sms"));
    await user.click(await screen.findByRole("button", { name: "Cancel and start over" }));
    expect(calls(backend, "CancelMFA")).toHaveLength(1);
    expect(await screen.findByLabelText("Work email")).toBeInTheDocument();
  });

  it("cancel after choosing from the list goes back to the list", async () => {
    const { backend, user } = setup(sampleView("choosing_organization"));
    const needsMfa = SAMPLE_ORGS.find((o) => o.needsMoreAuth)!;
    await user.click(await screen.findByRole("button", { name: new RegExp(needsMfa.name) }));
    await screen.findByRole("heading", { name: /texted you/i });
    await user.click(screen.getByRole("button", { name: "Cancel and choose another organization" }));
    expect(calls(backend, "CancelMFA")).toHaveLength(1);
    expect(await screen.findByRole("heading", { name: /choose an organization/i })).toBeInTheDocument();
  });
});

describe("switching organizations", () => {
  it("lists the other organizations, switches with MFA, cancels back, then switches", async () => {
    const { backend, user } = setup(sampleView("signed_in"));
    await user.click(await screen.findByRole("button", { name: "Switch organization…" }));
    expect(calls(backend, "ListOrganizations")).toHaveLength(1);
    expect(await screen.findByRole("button", { name: "Accept invitation to Globex" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /Umbrella/ })).not.toBeInTheDocument(); // join by domain: not here
    expect(screen.getByText(/joining an organization by your email domain/i)).toBeInTheDocument();
    expect(screen.getAllByText("Asks for extra verification").length).toBeGreaterThan(0);

    await user.click(screen.getByRole("button", { name: "Switch to Initech" }));
    expect(calls(backend, "SwitchOrganization")).toEqual([["SwitchOrganization", SAMPLE_ORGS[2].id]]);
    await screen.findByRole("heading", { name: /texted you/i });
    await user.click(screen.getByRole("button", { name: "Cancel and stay in your current organization" }));
    expect(await screen.findByRole("heading", { name: /you're signed in/i })).toBeInTheDocument();
    expect(screen.getByText("Acme Corp")).toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Switch organization…" }));
    await user.click(await screen.findByRole("button", { name: "Accept invitation to Globex" }));
    await waitFor(() => expect(screen.getByText("Globex")).toBeInTheDocument());
    expect(screen.getByRole("heading", { name: /you're signed in/i })).toBeInTheDocument();
  });

  it("offers an SSO-only organization's SSO, not extra verification, and cancels back", async () => {
    const { backend, user } = setup(sampleView("signed_in"));
    await user.click(await screen.findByRole("button", { name: "Switch organization…" }));
    const sso = await screen.findByRole("button", { name: "Sign in to Hooli with SSO" });
    expect(sso).toHaveTextContent("Sign in with SSO");
    const row = sso.closest("li")!;
    expect(within(row).getByText("Signs in with SSO")).toBeInTheDocument();
    expect(within(row).queryByText("Asks for extra verification")).not.toBeInTheDocument();

    await user.click(sso);
    const hooli = SAMPLE_ORGS.find((o) => o.slug === "hooli")!;
    expect(calls(backend, "SwitchOrganization")).toEqual([["SwitchOrganization", hooli.id]]);
    await user.click(await screen.findByRole("button", { name: /cancel/i }));
    expect(await screen.findByRole("heading", { name: /you're signed in/i })).toBeInTheDocument();
    expect(screen.getByText("Acme Corp")).toBeInTheDocument();
  });
});
