// Makes values tollgate puts into request headers safe to send: printable ASCII only, so a claim
// can never smuggle a CR/LF (a second header) or a byte the Headers class refuses.

// Everything outside visible ASCII (0x21-0x7E) is escaped, and '%' so the escaping reverses
// exactly: a backend reads a value back with `decodeURIComponent`.
const UNSAFE = /[^\x21-\x24\x26-\x7e]/gu;
// In a comma-joined list a ',' inside an item (Entra allows commas in app role values) is escaped
// too, so splitting on ',' gives back the items.
const UNSAFE_IN_LIST = /[^\x21-\x24\x26-\x2b\x2d-\x7e]/gu;

function escapeChar(char: string): string {
  // Every character the patterns match is one encodeURIComponent escapes (as UTF-8 bytes, which is
  // what decodeURIComponent undoes). A lone surrogate has no UTF-8 form: it becomes U+FFFD.
  try {
    return encodeURIComponent(char);
  } catch {
    return "%EF%BF%BD";
  }
}

/** `value` with '%' and anything outside visible ASCII percent-encoded as UTF-8. */
export function headerSafe(value: string): string {
  return value.replace(UNSAFE, escapeChar);
}

/** Items joined by `separator`, each escaped so the separator never occurs inside one. */
export function headerSafeList(items: readonly string[], separator: "," | " "): string {
  // ' ' is outside visible ASCII, so headerSafe already escapes it inside an item.
  const escapeItem =
    separator === "," ? (item: string) => item.replace(UNSAFE_IN_LIST, escapeChar) : headerSafe;
  return items.map(escapeItem).join(separator);
}
