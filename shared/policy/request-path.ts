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
  // RFC 3986 §2.3: an encoded letter, digit, '-', '_' or '~' is the same path as the plain one to
  // a backend that decodes before routing (ASP.NET Core, Spring, Tomcat), but not to the role
  // map: "/%6danage" would pass a '*' segment that "/manage" never does. No client encodes these.
  [
    /%(?:25)*(?:[46][1-9a-f]|[57][0-9a]|3[0-9]|2d|5f|7e)/i,
    "holds a percent-encoded letter, digit, '-', '_' or '~'",
  ],
  // Tomcat, Jetty and Spring drop ";params" from each segment before routing: "/;x/manage" is
  // "//manage" to them. Parameters after a name are checked against the rules in route-match.ts.
  [/\/;/, "holds a segment that starts with ';'"],
  [/%(?![0-9A-Fa-f]{2})/, "holds a '%' that is not a percent-encoding"],
];

/**
 * Splits `path` (the URL pathname, still percent-encoded, starting with "/") into segments,
 * or says why no rule may match it. "/" gives `[""]`; a trailing slash leaves a last `""`.
 */
export function splitRequestPath(path: string): RequestPathResult {
  if (!path.startsWith("/")) return { ok: false, problem: "does not start with '/'" };
  // Every check above needs one of these to match; most paths hold none, so one scan clears them
  // instead of ten. A path that holds any of them (a '%', a '.' after '/') gets every check.
  if (MAY_FAIL_A_CHECK.test(path)) {
    for (const [pattern, problem] of CHECKS) {
      if (pattern.test(path)) return { ok: false, problem };
    }
  }
  return { ok: true, segments: path.slice(1).split("/") };
}

/**
 * What at least one of CHECKS needs to find: a byte outside visible ASCII, '?', '#', '\', '%',
 * ';', an empty segment or a segment that starts with '.'. Wider than the checks on purpose
 * ("/.well-known" runs them all and passes); never narrower, or a check would be skipped.
 */
const MAY_FAIL_A_CHECK = /[^\x21-\x7e]|[?#\\%;]|\/\/|\/\./;

/** The checks one by one, for the problem a path fails; kept for the tests of the fast path. */
export function splitRequestPathSlowly(path: string): RequestPathResult {
  if (!path.startsWith("/")) return { ok: false, problem: "does not start with '/'" };
  for (const [pattern, problem] of CHECKS) {
    if (pattern.test(path)) return { ok: false, problem };
  }
  return { ok: true, segments: path.slice(1).split("/") };
}
