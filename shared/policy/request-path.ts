// The request path as the role map sees it: split into segments, or refused when the backend
// might read it as a different path than the one the rules were matched against.

export type RequestPathResult = { ok: true; segments: string[] } | { ok: false; problem: string };

// Checked in this order so the problem names the most telling fault.
const CHECKS: ReadonlyArray<readonly [RegExp, string]> = [
  // A URL pathname is always ASCII: anything else was not normalised.
  [/[^\x21-\x7e]/, "holds a control character, space or non-ASCII character"],
  [/[?#]/, "holds '?' or '#' (pass the path without query or fragment)"],
  // IIS, and some frameworks on Windows, treat "\" as "/".
  [/\\/, "holds a backslash"],
  [/\/\//, "holds an empty segment ('//')"],
  // "." and "..", also as "..;x" (Tomcat and Jetty drop ";x" before resolving dot segments).
  [/\/\.\.?(?:;[^/]*)?(?:\/|$)/, "holds a '.' or '..' segment"],
  // Encoded "/", "\" and ".", and the same double-encoded: a backend that decodes before routing
  // (or decodes twice) would see a different path.
  [/%(?:25)*(?:2f|5c|2e)/i, "holds an encoded '/', '\\' or '.'"],
  [/%(?:25)*00/, "holds an encoded NUL"],
  [/%(?![0-9A-Fa-f]{2})/, "holds a '%' that is not a percent-encoding"],
];

/**
 * Splits `path` (the URL pathname, still percent-encoded, starting with "/") into segments,
 * or says why no rule may match it. "/" gives `[""]`; a trailing slash leaves a last `""`.
 */
export function splitRequestPath(path: string): RequestPathResult {
  if (!path.startsWith("/")) return { ok: false, problem: "does not start with '/'" };
  for (const [pattern, problem] of CHECKS) {
    if (pattern.test(path)) return { ok: false, problem };
  }
  return { ok: true, segments: path.slice(1).split("/") };
}
