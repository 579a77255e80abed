
// Added by scripts/bench/build-blank.sh: focus the first field, then report
// "painted" two animation frames later, exactly as stytch-desktop does
// (frontend/src/lib/trace.ts).
{
  const w = window as any;
  (document.getElementById("name") as HTMLInputElement | null)?.focus();
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      w.go?.main?.App?.Painted?.("greet", performance.timeOrigin + performance.now())?.catch?.(() => {});
    }),
  );
}
