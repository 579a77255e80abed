import { describe, expect, it } from "vitest";
import contract from "../../../docs/view-contract.md?raw";
import { EXTRA_KINDS, NOTICES, noticeText } from "./notices";
import { NOTICE_KINDS } from "./types";

// The kinds listed in the contract's error table: rows like "| `network` | … |".
function contractKinds(md: string): string[] {
  return [...md.matchAll(/^\|\s*`([a-z_]+)`\s*\|/gm)].map((m) => m[1]);
}

describe("notices", () => {
  it("the contract lists the kinds this build knows", () => {
    const kinds = contractKinds(contract);
    expect(kinds.length).toBeGreaterThan(10);
    expect([...kinds].sort()).toEqual([...NOTICE_KINDS].sort());
  });

  it("every kind has its own non-empty message", () => {
    const messages = NOTICE_KINDS.map((kind) => noticeText({ kind }).message);
    for (const m of messages) expect(m.trim().length).toBeGreaterThan(5);
    expect(new Set(messages).size).toBe(NOTICE_KINDS.length);
    expect(Object.keys(NOTICES).sort()).toEqual([...NOTICE_KINDS, ...EXTRA_KINDS].sort());
  });

  it("rate_limited says how long to wait", () => {
    expect(noticeText({ kind: "rate_limited", retryAfterSeconds: 42 }).message).toContain("42 s");
    expect(noticeText({ kind: "rate_limited", retryAfterSeconds: 90 }).message).toContain("1 min 30 s");
    expect(noticeText({ kind: "rate_limited" }).message).toMatch(/wait a moment/i);
  });

  it.each([
    ["session_expired", /session ended\. sign in again/i],
    ["link_other_device", /another device/i],
    ["link_not_for_app", /isn't for this app or this stytch project.*send yourself a new one from here/i],
    ["slug_taken", /slug is taken/i],
    ["network", /try again/i],
  ])("%s wording", (kind, re) => {
    expect(noticeText({ kind }).message).toMatch(re);
  });

  it("kinds beyond the contract have their own wording too", () => {
    for (const kind of EXTRA_KINDS) {
      expect(NOTICE_KINDS as readonly string[]).not.toContain(kind);
      expect(noticeText({ kind })).not.toEqual(noticeText({ kind: "unknown" }));
    }
  });

  it("only network-like failures offer Retry", () => {
    const retryable = NOTICE_KINDS.filter((kind) => noticeText({ kind }).retry).sort();
    expect(retryable).toEqual(["browser_unavailable", "keychain_locked", "network", "unknown"]);
  });

  it("an unknown kind from a newer backend reads as unknown", () => {
    expect(noticeText({ kind: "something_new" })).toEqual(noticeText({ kind: "unknown" }));
  });
});
