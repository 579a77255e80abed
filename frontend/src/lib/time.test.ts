import { describe, expect, it } from "vitest";
import { formatDuration, parseTime, resendLabel, secondsUntil } from "./time";

describe("formatDuration", () => {
  it.each([
    [0, "0 s"],
    [1, "1 s"],
    [23, "23 s"],
    [22.2, "23 s"],
    [59, "59 s"],
    [60, "1 min"],
    [65, "1 min 5 s"],
    [600, "10 min"],
    [-5, "0 s"],
  ])("%s → %j", (s, want) => {
    expect(formatDuration(s)).toBe(want);
  });
});

describe("resendLabel", () => {
  it.each([
    [23, "Resend in 23 s"],
    [90, "Resend in 1 min 30 s"],
    [0, "Resend link"],
  ])("%s → %j", (s, want) => {
    expect(resendLabel(s)).toBe(want);
  });
});

describe("secondsUntil", () => {
  const now = Date.parse("2026-03-05T12:00:00Z");
  it.each([
    ["2026-03-05T12:00:23Z", 23],
    ["2026-03-05T12:00:22.100Z", 23], // rounds up: never says 0 while still waiting
    ["2026-03-05T12:00:00Z", 0],
    ["2026-03-05T11:59:00Z", 0],
  ])("%s → %s", (at, want) => {
    expect(secondsUntil(new Date(at), now)).toBe(want);
  });
  it("is 0 without a time", () => {
    expect(secondsUntil(undefined, now)).toBe(0);
  });
});

describe("parseTime", () => {
  it.each([
    ["2026-03-05T12:00:00Z", Date.parse("2026-03-05T12:00:00Z")],
    ["2026-03-05T13:00:00+01:00", Date.parse("2026-03-05T12:00:00Z")],
    ["0001-01-01T00:00:00Z", undefined], // Go's zero time.Time
    ["", undefined],
    ["garbage", undefined],
    [undefined, undefined],
  ])("%j", (raw, want) => {
    expect(parseTime(raw)?.getTime()).toBe(want);
  });
});
