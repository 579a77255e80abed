// Tells `make bench` (STYTCH_DESKTOP_TRACE on the Go side) when a screen has
// been rendered and focused, and when the frame showing it was painted: the
// moment a person can use it (two animation frames after the DOM update, the
// first frame with it has been presented). Each call carries the page's own
// clock, so the delay of the call itself is not counted. The Go side binds
// the Tracer only while tracing is on: otherwise this does nothing at all.

type Mark = (screen: string, atMs: number) => Promise<void>;
type TraceWindow = { go?: { main?: { Tracer?: { Rendered?: Mark; Painted?: Mark } } } };

const now = (w: Window) => w.performance.timeOrigin + w.performance.now();

export function markPainted(screen: string, w: Window = window): void {
  const tracer = (w as unknown as TraceWindow).go?.main?.Tracer;
  const painted = tracer?.Painted;
  if (typeof painted !== "function") return;
  tracer?.Rendered?.(screen, now(w))?.catch(() => {});
  w.requestAnimationFrame(() =>
    w.requestAnimationFrame(() => {
      painted(screen, now(w)).catch(() => {});
    }),
  );
}
