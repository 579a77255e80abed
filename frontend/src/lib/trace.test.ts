import { describe, expect, it, vi } from "vitest";
import { markPainted } from "./trace";

function fakeWindow(painted?: (s: string) => Promise<void>) {
  const frames: FrameRequestCallback[] = [];
  const w = {
    go: painted ? { main: { Tracer: { Painted: painted } } } : undefined,
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
    expect(painted).toHaveBeenCalledExactlyOnceWith("signed_out");
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
