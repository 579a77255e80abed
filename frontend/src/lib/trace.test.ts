import { describe, expect, it, vi } from "vitest";
import { markPainted } from "./trace";

function fakeWindow(painted?: (s: string, at: number) => Promise<void>) {
  const frames: FrameRequestCallback[] = [];
  let clock = 1000;
  const w = {
    go: painted ? { main: { Tracer: { Painted: painted } } } : undefined,
    performance: { timeOrigin: 1_700_000_000_000, now: () => (clock += 5) },
    requestAnimationFrame: (cb: FrameRequestCallback) => frames.push(cb),
  } as unknown as Window;
  const flushFrame = () => frames.splice(0).forEach((cb) => cb(0));
  return { w, flushFrame };
}

describe("markPainted", () => {
  it("reports the screen after two animation frames", () => {
    const painted = vi.fn(() => Promise.resolve());
    const { w, flushFrame } = fakeWindow(painted);
    markPainted("signed_out", w);
    expect(painted).not.toHaveBeenCalled();
    flushFrame();
    expect(painted).not.toHaveBeenCalled();
    flushFrame();
    expect(painted).toHaveBeenCalledExactlyOnceWith("signed_out", 1_700_000_001_005);
  });

  it("does nothing without the binding (browser, tests, demo)", () => {
    const { w, flushFrame } = fakeWindow();
    expect(() => {
      markPainted("signed_out", w);
      flushFrame();
    }).not.toThrow();
  });

  it("swallows a rejected call", async () => {
    const painted = vi.fn(() => Promise.reject(new Error("gone")));
    const { w, flushFrame } = fakeWindow(painted);
    markPainted("signed_in", w);
    flushFrame();
    flushFrame();
    await Promise.resolve();
    expect(painted).toHaveBeenCalledOnce();
  });
});
