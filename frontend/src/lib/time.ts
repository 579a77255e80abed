// Time helpers for the countdowns and dates on the screens.

/** Parses an RFC 3339 time from the backend; undefined for empty, invalid or Go's zero time. */
export function parseTime(raw: string | undefined): Date | undefined {
  if (!raw) return undefined;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() <= 1) return undefined;
  return d;
}

/** Whole seconds from now until `at`, rounded up, never negative. */
export function secondsUntil(at: Date | undefined, now: number): number {
  if (!at) return 0;
  return Math.max(0, Math.ceil((at.getTime() - now) / 1000));
}

/** "23 s", "1 min", "2 min 5 s". */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.ceil(totalSeconds));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  const rest = s % 60;
  return rest === 0 ? `${min} min` : `${min} min ${rest} s`;
}

/** The resend button label: "Resend in 23 s" while waiting, then "Resend link". */
export function resendLabel(secondsLeft: number): string {
  return secondsLeft > 0 ? `Resend in ${formatDuration(secondsLeft)}` : "Resend link";
}

/** Date and time in the user's locale, e.g. "Mar 5, 2026, 2:30 PM". */
export function formatDateTime(d: Date, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

/** Time of day in the user's locale, e.g. "2:30 PM". */
export function formatTime(d: Date, locale?: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: "short" }).format(d);
}
