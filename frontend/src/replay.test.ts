import { describe, expect, it } from "vitest";
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
// Written by app/signin's TestViewSequencesGolden from the real flows against the local API.
import fixture from "../../app/signin/testdata/view-sequences.json";
import App from "./App.svelte";
import { orgAction, switchAction } from "./lib/orgs";
import { ReplayBackend, recordedOrganizations, type RecordedScenario, type RecordedStep } from "./lib/replay";

// The screens on the real backend's recorded view sequences: each scenario
// the Go flows went through (app/signin/viewsequences_test.go) is done again
// here by a user on the screens, against a backend that replays what Go
// emitted. The screens must make exactly the recorded calls, in order, and
// show the recorded outcome after each.

type User = ReturnType<typeof userEvent.setup>;

const organizations = recordedOrganizations(fixture.discovered);
const orgNamed = (slug: string) => organizations.find((o) => o.slug === slug)!;

// What a person does on the screens for each recorded step.
const DO: Record<string, (user: User, step: RecordedStep) => Promise<void>> = {
  async send(user, step) {
    const box = await screen.findByLabelText("Work email");
    await user.clear(box);
    await user.type(box, step.email!);
    await user.click(screen.getByRole("button", { name: "Email me a sign-in link" }));
  },
  async link(user) {
    const summary = screen.getByText(/Paste (it|the link) here/);
    if (!summary.closest("details")?.open) await user.click(summary);
    await user.type(screen.getByLabelText("Sign-in link"), "stytch-desktop://auth/callback?stytch_token_type=discovery&token=recorded");
    await user.click(screen.getByRole("button", { name: "Sign in with this link" }));
  },
  async code(user, step) {
    const summary = screen.getByText("Got a code instead?");
    if (!summary.closest("details")?.open) await user.click(summary);
    const box = screen.getByLabelText("Sign-in code");
    await user.clear(box);
    await user.type(box, step.which === "valid" ? "WXYZ-2345" : "ABCD-EFGH");
    await user.click(screen.getByRole("button", { name: "Sign in with this code" }));
  },
  async choose(user, step) {
    await user.click(screen.getByRole("button", { name: orgAction(orgNamed(step.slug!)).ariaLabel }));
  },
  async mfaCode(user, step) {
    const box = screen.getByLabelText("6-digit code");
    await user.clear(box);
    await user.type(box, `${step.which === "right" ? "123456" : "000000"}{Enter}`);
  },
  async cancelMFA(user) {
    await user.click(screen.getByRole("button", { name: /^Cancel and / }));
  },
  async list(user) {
    await user.click(screen.getByRole("button", { name: "Switch organization…" }));
  },
  async switch(user, step) {
    await user.click(screen.getByRole("button", { name: switchAction(orgNamed(step.slug!)).ariaLabel }));
  },
  async cancelBrowser(user) {
    await user.click(screen.getByRole("button", { name: "Cancel" }));
  },
};

// Time passing and Stytch failing happen off the screens; the replay skips them.
const OFFSCREEN = new Set(["wait", "fault"]);

const HEADING: Record<string, RegExp> = {
  signed_out: /^sign in$/i,
  link_sent: /check your email/i,
  choosing_organization: /choose an organization/i,
  needs_more_auth: /extra verification required/i,
  mfa_sms: /enter the code we texted you/i,
  browser: /^sign in (to |with SSO)/i,
  signed_in: /you're signed in/i,
};

// Scenarios a person can play through: every step has a screen action, and
// no resend waits on the clock (the demo backend's contract test covers those).
const playable = (fixture.scenarios as RecordedScenario[]).filter((s) =>
  s.steps.every(({ step }) => DO[step.do] || (step.do === "wait" && !s.steps.some((st) => st.step.do === "resend"))),
);

describe("the screens on the real backend's recorded view sequences", () => {
  it("covers MFA, SSO, sign-in codes and organization switching", () => {
    const steps = new Set(playable.flatMap((s) => s.steps.map((st) => st.step.do)));
    for (const d of ["mfaCode", "cancelMFA", "code", "list", "switch", "cancelBrowser"]) expect(steps).toContain(d);
    const screens = new Set(playable.flatMap((s) => s.steps.flatMap((st) => st.views.map((v) => v.screen))));
    for (const s of ["mfa_sms", "browser", "signed_in", "choosing_organization"]) expect(screens).toContain(s);
  });

  it.each(playable.map((s) => [s.name, s] as const))("%s", async (_name, scenario) => {
    const backend = new ReplayBackend(scenario, organizations);
    const user = userEvent.setup();
    render(App, { props: { backend } });
    for (const { step, views } of scenario.steps) {
      if (OFFSCREEN.has(step.do)) continue;
      await DO[step.do](user, step);
      expect(backend.mismatches, JSON.stringify(step)).toEqual([]);
      const last = views[views.length - 1];
      expect(await screen.findByRole("heading", { level: 1, name: HEADING[last.screen] }), JSON.stringify(step)).toBeInTheDocument();
      if (last.notice) expect(screen.getByRole("alert")).toBeInTheDocument();
    }
    expect(backend.remaining()).toBe(0);
  });
});

describe("ReplayBackend", () => {
  const scenario = (fixture.scenarios as RecordedScenario[]).find((s) => s.steps[0]?.step.do === "send")!;

  it("refuses a call that is not the recording's next step, and changes nothing", async () => {
    const backend = new ReplayBackend(scenario, organizations);
    const before = backend.view;
    await backend.ChooseOrganization(organizations[0].id);
    expect(backend.mismatches).toHaveLength(1);
    expect(backend.view).toBe(before);
  });

  it("refuses the right step with other arguments", async () => {
    const backend = new ReplayBackend(scenario, organizations);
    await backend.SendLink("someone-else@example.com");
    expect(backend.mismatches).toHaveLength(1);
  });

  it("emits the recorded views of the step, with growing seq", async () => {
    const backend = new ReplayBackend(scenario, organizations);
    const seen: number[] = [];
    backend.onState((v) => seen.push(v.seq!));
    const v = await backend.SendLink(scenario.steps[0].step.email!);
    expect(backend.mismatches).toEqual([]);
    expect(seen).toHaveLength(scenario.steps[0].views.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(v.screen).toBe(scenario.steps[0].views[scenario.steps[0].views.length - 1].screen);
  });
});
