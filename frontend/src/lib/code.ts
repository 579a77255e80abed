// Sign-in codes from the /open page (app/openpage/code.go): 8 characters of
// this alphabet, shown as ABCD-EFGH; case, spaces and dashes don't matter.
export const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789";
export const CODE_LENGTH = 8;

/** The canonical code, or null when the text cannot be a code. */
export function normalizeCode(text: string): string | null {
  let out = "";
  for (const ch of text.toUpperCase()) {
    if (ch === " " || ch === "-" || ch === "\t") continue;
    if (!CODE_ALPHABET.includes(ch)) return null;
    out += ch;
  }
  return out.length === CODE_LENGTH ? out : null;
}
