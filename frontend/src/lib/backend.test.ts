import { describe, expect, it, vi } from "vitest";
import { hasWails, STATE_EVENT, wailsBackend } from "./backend";
import type { View } from "./types";

function fakeWindow() {
  const view: View = { screen: "signed_out", mode: "direct" };
  const listeners = new Map<string, (...data: unknown[]) => void>();
  const App = {
    State: vi.fn(async () => view),
    SendLink: vi.fn(async () => view),
    Resend: vi.fn(async () => view),
    UseAnotherEmail: vi.fn(async () => view),
    SubmitLink: vi.fn(async () => view),
    RedeemCode: vi.fn(async () => view),
    ChooseOrganization: vi.fn(async () => view),
    CreateOrganization: vi.fn(async () => view),
    BackToOrganizations: vi.fn(async () => view),
    SignOut: vi.fn(async () => view),
    OpenInbox: vi.fn(async () => view),
    DismissNotice: vi.fn(async () => view),
    SuggestSlug: vi.fn(async () => "acme"),
  };
  const off = vi.fn();
  const runtime = {
    EventsOn: vi.fn((name: string, cb: (...data: unknown[]) => void) => {
      listeners.set(name, cb);
      return off;
    }),
    EventsOff: vi.fn(),
    BrowserOpenURL: vi.fn(),
  };
  const w = { go: { app: { App } }, runtime } as unknown as Window;
  return { w, App, runtime, listeners, off, view };
}

describe("wailsBackend", () => {
  it("forwards every method with its arguments", async () => {
    const { w, App } = fakeWindow();
    const b = wailsBackend(w);
    await b.SendLink("ada@example.com");
    await b.SubmitLink("stytch-desktop://auth?x=1");
    await b.RedeemCode("ABCD-EFGH");
    await b.ChooseOrganization("organization-test-1");
    await b.CreateOrganization("Acme", "acme");
    await b.BackToOrganizations();
    await b.Resend();
    await b.UseAnotherEmail();
    await b.SignOut();
    await b.OpenInbox();
    await b.DismissNotice();
    await b.State();
    expect(await b.SuggestSlug("Acme")).toBe("acme");
    expect(App.SendLink).toHaveBeenCalledWith("ada@example.com");
    expect(App.SubmitLink).toHaveBeenCalledWith("stytch-desktop://auth?x=1");
    expect(App.RedeemCode).toHaveBeenCalledWith("ABCD-EFGH");
    expect(App.ChooseOrganization).toHaveBeenCalledWith("organization-test-1");
    expect(App.CreateOrganization).toHaveBeenCalledWith("Acme", "acme");
    expect(App.SuggestSlug).toHaveBeenCalledWith("Acme");
    for (const fn of Object.values(App)) expect(fn).toHaveBeenCalledTimes(1);
  });

  it("onState listens to the state event and unsubscribes", () => {
    const { w, runtime, listeners, off } = fakeWindow();
    const b = wailsBackend(w);
    const got: View[] = [];
    const unsubscribe = b.onState((v) => got.push(v));
    expect(runtime.EventsOn).toHaveBeenCalledWith(STATE_EVENT, expect.any(Function));
    const pushed: View = { screen: "link_sent", mode: "local", email: "ada@example.com" };
    listeners.get("state")!(pushed);
    expect(got).toEqual([pushed]);
    unsubscribe();
    expect(off).toHaveBeenCalledOnce();
  });

  it("fails loudly without the Wails bindings", () => {
    expect(hasWails({} as Window)).toBe(false);
    expect(() => wailsBackend({} as Window)).toThrow(/bindings/);
    expect(hasWails(fakeWindow().w)).toBe(true);
  });
});
