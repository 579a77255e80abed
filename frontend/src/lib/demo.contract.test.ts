import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
// Written by app/signin's TestViewSequencesGolden from the real flows against the local API.
import fixture from "../../../app/signin/testdata/view-sequences.json";
import { DemoBackend } from "./demo";
import { recordedOrganizations, type Reduced, type RecordedStep } from "./replay";
import type { View } from "./types";

// The contract between the DemoBackend (the dev server's demo; many screen tests use it)
// and the real Go backend: the same steps produce the same view sequences,
// reduced to what the screens branch on. If this fails after a change to the
// flows, make demo.ts follow them; if the flows changed on purpose, the Go test
// regenerates the fixture (go test ./app/signin -run Golden -update).

type Step = RecordedStep & { status?: number; errorType?: string; retryAfter?: number };

/** What the Go test keeps of a view (reduceView in app/signin/viewsequences_test.go). */
function reduce(v: View): Reduced {
  const r: Reduced = { screen: v.screen, busy: Boolean(v.busy) };
  if (v.notice) {
    r.notice = { kind: v.notice.kind };
    if (v.notice.retryAfterSeconds) r.notice.retryAfterSeconds = v.notice.retryAfterSeconds;
  }
  if (v.organization?.slug) r.organization = v.organization.slug;
  const n = v.organizations?.length ?? 0;
  if (n > 0) r.organizations = n;
  const until = v.resendAfter ? Date.parse(v.resendAfter) : 0;
  if (until > Date.now()) r.resendIn = Math.ceil((until - Date.now()) / 1000);
  if (v.email) r.email = v.email;
  if (v.mfa?.method) r.mfaMethod = v.mfa.method;
  if (v.mfa?.switching) r.switching = true;
  if (v.browser?.kind) r.browser = v.browser.kind;
  const others = v.otherOrganizations?.length ?? 0;
  if (others > 0) r.others = others;
  if (v.backupCodesLeft) r.backupCodesLeft = v.backupCodesLeft;
  return r;
}

function dedupe(rs: Reduced[]): Reduced[] {
  const out: Reduced[] = [];
  for (const r of rs) {
    if (out.length > 0 && JSON.stringify(out[out.length - 1]) === JSON.stringify(r)) continue;
    out.push(r);
  }
  return out;
}

// Stytch error types the scenarios inject, as app/stytcherr maps them.
const KIND_OF: Record<string, string> = { too_many_requests: "rate_limited" };

const discovered = recordedOrganizations(fixture.discovered);

function link(which: string): string {
  const token = which === "valid" ? "Q".repeat(44) : which;
  return `stytch-desktop://auth/callback?stytch_token_type=discovery&token=${token}`;
}

// The steps the demo backend plays here: the link and organization steps.
// Scenarios with MFA, SSO, sign-in codes and switching are replayed from the
// recording itself (replay.ts) in the screens' tests (src/replay.test.ts).
const DEMO_PLAYS = new Set(["send", "resend", "link", "choose", "create", "back", "useAnotherEmail", "dismiss", "wait", "fault"]);
const demoScenarios = fixture.scenarios.filter((s) => s.steps.every((st) => DEMO_PLAYS.has(st.step.do) && (st.step as Step).which !== "browser"));

async function run(fake: DemoBackend, step: Step): Promise<void> {
  switch (step.do) {
    case "send":
      await fake.SendLink(step.email!);
      return;
    case "resend":
      await fake.Resend();
      return;
    case "link":
      await fake.SubmitLink(link(step.which!));
      return;
    case "choose": {
      const org = (fake.view.organizations ?? []).find((o) => o.slug === step.slug);
      await fake.ChooseOrganization(org?.id ?? `missing-${step.slug}`);
      return;
    }
    case "create":
      await fake.CreateOrganization(step.name!, step.slug!);
      return;
    case "back":
      await fake.BackToOrganizations();
      return;
    case "useAnotherEmail":
      await fake.UseAnotherEmail();
      return;
    case "dismiss":
      await fake.DismissNotice();
      return;
    case "wait":
      vi.setSystemTime(Date.now() + step.seconds! * 1000);
      return;
    case "fault":
      fake.failNext({ kind: KIND_OF[step.errorType ?? ""] ?? "network", retryAfterSeconds: step.retryAfter });
      return;
    default:
      throw new Error(`unknown step ${step.do}`);
  }
}

describe("the DemoBackend sends the real backend's view sequences", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-12-01T12:00:00Z"));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("the fixture covers the scenarios the screens depend on", () => {
    const names = fixture.scenarios.map((s) => s.name);
    expect(names.length).toBeGreaterThanOrEqual(6);
    const screens = new Set(fixture.scenarios.flatMap((s) => s.steps.flatMap((st) => st.views.map((v) => v.screen))));
    for (const s of ["signed_out", "link_sent", "completing", "choosing_organization", "entering", "needs_more_auth", "signed_in"]) {
      expect(screens).toContain(s);
    }
  });

  it("plays the link and organization scenarios", () => {
    expect(demoScenarios.length).toBeGreaterThanOrEqual(8);
  });

  it.each(demoScenarios.map((s) => [s.name, s] as const))("%s", async (_name, scenario) => {
    const fake = new DemoBackend(
      { screen: "signed_out", mode: "local", busy: false, ssoAvailable: scenario.browser },
      { resendIntervalSeconds: fixture.resendIntervalSeconds, organizations: discovered },
    );
    expect(reduce(fake.view)).toEqual(scenario.initial);
    for (const { step, views } of scenario.steps) {
      const seen: View[] = [];
      const off = fake.onState((v) => seen.push(v));
      await run(fake, step as Step);
      off();
      expect({ step, views: dedupe(seen.map(reduce)) }).toEqual({ step, views });
    }
  });
});
