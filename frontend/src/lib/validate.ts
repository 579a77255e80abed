// Client-side checks that mirror what Stytch accepts, so the user learns about
// a typo before a round trip. The backend still validates everything.

export const EMAIL_MAX = 254;
export const ORG_NAME_MAX = 128;
export const SLUG_MIN = 2;
export const SLUG_MAX = 128;

// Deliberately simple (something@domain.tld), like Stytch's own check:
// stricter patterns reject real addresses.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;
const SLUG_RE = /^[a-z0-9._~-]+$/;

/** Returns an error message for the address, or "" when it looks valid. */
export function validateEmail(raw: string): string {
  const email = raw.trim();
  if (email === "") return "Enter your work email address.";
  if (email.length > EMAIL_MAX) return `That address is too long (at most ${EMAIL_MAX} characters).`;
  if (!EMAIL_RE.test(email)) return "Enter an address like name@company.com.";
  return "";
}

/** Returns an error message for an organization name, or "". */
export function validateOrgName(raw: string): string {
  const name = raw.trim();
  if (name === "") return "Enter a name for the organization.";
  if (name.length > ORG_NAME_MAX) return `Use at most ${ORG_NAME_MAX} characters.`;
  return "";
}

/** Returns an error message for an organization slug, or "". */
export function validateSlug(slug: string): string {
  if (slug.length < SLUG_MIN) return `Use at least ${SLUG_MIN} characters.`;
  if (slug.length > SLUG_MAX) return `Use at most ${SLUG_MAX} characters.`;
  if (!SLUG_RE.test(slug)) return "Use only lowercase letters, digits, and . _ ~ -";
  return "";
}

/**
 * Suggests a URL slug from an organization name: lowercase, accents removed,
 * every run of other characters becomes one "-", no leading/trailing "-",
 * at most SLUG_MAX characters. ("Café Crème GmbH" → "cafe-creme-gmbh").
 * The Go SuggestSlug should produce the same result; the fake backend uses this.
 */
export function suggestSlug(name: string): string {
  const ascii = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase();
  let slug = ascii.replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  if (slug.length > SLUG_MAX) slug = slug.slice(0, SLUG_MAX).replace(/-+$/, "");
  // Like Go's signin.SuggestSlug: a one-character slug would be rejected.
  return slug.length < 2 ? "" : slug;
}

/** Up to two initials for an avatar: "Acme Corp" → "AC", "globex" → "G". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return "?";
  const letters = words.length === 1 ? [words[0][0]] : [words[0][0], words[words.length - 1][0]];
  return letters.join("").toUpperCase();
}

/** Only http(s) URLs may be used as an image source; anything else is dropped. */
export function safeImageUrl(raw: string | undefined): string {
  if (!raw) return "";
  try {
    const u = new URL(raw);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : "";
  } catch {
    return "";
  }
}

/**
 * Returns an error message for a phone number, or "" when it is a valid
 * international (E.164) number once spaces, dashes, dots and parentheses are
 * dropped — the same rule as Go's signin.NormalizePhone.
 */
export function validatePhone(raw: string): string {
  const s = raw.trim();
  if (s === "") return "Enter your mobile number.";
  if (!s.startsWith("+")) return "Start with + and the country code, like +1 555 555 0123.";
  const rest = s.slice(1);
  if (/[^0-9 ().\u00a0-]/.test(rest)) return "Use only digits, spaces and dashes after the +.";
  const digits = rest.replace(/[^0-9]/g, "");
  if (digits.length < 8 || digits.length > 15 || digits.startsWith("0")) {
    return "That doesn't look like a full international number (8 to 15 digits after the +).";
  }
  return "";
}

/** Only a PNG data URI is shown as the authenticator QR code. */
export function safeQrDataUri(raw: string | undefined): string {
  return raw && /^data:image\/png;base64,[A-Za-z0-9+/=]+$/.test(raw) ? raw : "";
}
