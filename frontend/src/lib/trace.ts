// Tells `make bench` (STYTCH_DESKTOP_TRACE on the Go side) when a screen has
// been painted and has focus: the moment a person can use it. Two animation
// frames after the DOM update, the first frame with it has been presented.
// Only the screen's name is sent; the Go side ignores it unless tracing is on.

type TracerBinding = { Rendered?: (screen: string) => Promise<void>; Painted?: (screen: string) => Promise<void> };
type TraceWindow = { go?: { main?: { Tracer?: TracerBinding } } };

export function markPainted(screen: string, w: Window = window): void {
  const tracer = (w as unknown as TraceWindow).go?.main?.Tracer;
  const painted = tracer?.Painted;
  if (typeof painted !== "function") return;
  tracer?.Rendered?.(screen)?.catch(() => {});
  w.requestAnimationFrame(() =>
    w.requestAnimationFrame(() => {
      painted(screen).catch(() => {});
    }),
  );
}
