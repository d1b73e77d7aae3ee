// Route path patterns in the role map: parsed and checked once when the policy is loaded, then
// matched segment by segment against a request path already split by `request-path.ts`.

/**
 * One segment of a pattern. `literal` is compared exactly (percent-encoding included, because
 * the backend sees the path in that form); `param` (`{name}`) and `any` (`*`) take one non-empty
 * segment; `rest` (`**`, last only) takes any number of segments, none included.
 */
export type PathSegment =
  | { kind: "literal"; value: string; folded: string }
  | { kind: "param"; name: string }
  | { kind: "any" }
  | { kind: "rest" };

export interface PathPattern {
  /** The pattern as written in the policy. */
  source: string;
  segments: readonly PathSegment[];
}

export type PathPatternResult = { ok: true; pattern: PathPattern } | { ok: false; problem: string };

// RFC 3986 pchar, less "*" (kept for wildcards). "{" and "}" are not pchar anyway.
const LITERAL = /^(?:[A-Za-z0-9\-._~!$&'()+,;=:@]|%[0-9A-Fa-f]{2})+$/;
const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
/** Encoded "/", "\" and "." (also double-encoded): `request-path.ts` refuses every path holding one. */
const ENCODED_SEPARATOR = /%(?:25)?(?:2f|5c|2e)/i;
/** "." and "..", also with ";params" after them (Tomcat and Jetty read "..;x" as ".."). */
const DOT_SEGMENT = /^\.\.?(?:;|$)/;

export function compilePathPattern(source: string): PathPatternResult {
  if (!source.startsWith("/")) return { ok: false, problem: `'${source}' must start with '/'` };
  const parts = source.slice(1).split("/");
  const segments: PathSegment[] = [];
  const names = new Set<string>();
  for (const [index, part] of parts.entries()) {
    const last = index === parts.length - 1;
    if (part === "") {
      // Only "/" itself or a trailing slash ("/orders/") leave an empty segment.
      if (!last) return { ok: false, problem: `'${source}' has an empty segment ('//')` };
      segments.push({ kind: "literal", value: "", folded: "" });
      continue;
    }
    if (part === "**") {
      if (!last) return { ok: false, problem: `'${source}': '**' is allowed only as the last segment` };
      segments.push({ kind: "rest" });
      continue;
    }
    if (part === "*") {
      segments.push({ kind: "any" });
      continue;
    }
    const param = PARAM.exec(part);
    if (param) {
      const name = param[1] as string;
      if (names.has(name)) return { ok: false, problem: `'${source}' names the parameter '{${name}}' twice` };
      names.add(name);
      segments.push({ kind: "param", name });
      continue;
    }
    if (part.includes("*") || part.includes("{") || part.includes("}")) {
      return {
        ok: false,
        problem: `'${source}': segment '${part}' mixes text with a wildcard; use a whole segment: '*', '{name}' or '**'`,
      };
    }
    if (DOT_SEGMENT.test(part)) {
      return { ok: false, problem: `'${source}': '.' and '..' segments can never match a request` };
    }
    if (ENCODED_SEPARATOR.test(part)) {
      return {
        ok: false,
        problem: `'${source}': encoded '/', '\\' or '.' can never match (such request paths are refused)`,
      };
    }
    if (!LITERAL.test(part)) {
      return {
        ok: false,
        problem: `'${source}': segment '${part}' has characters not allowed in a URL path`,
      };
    }
    segments.push({ kind: "literal", value: part, folded: part.toLowerCase() });
  }
  return { ok: true, pattern: { source, segments } };
}

/**
 * The parameters when the pattern matches `segments` (a path split on "/", after the leading
 * one), else undefined. `foldCase` compares literals ignoring letter case; see `route-match.ts`.
 * Parameter values are the segments as they appear in the path, percent-encoding kept.
 */
export function matchPathPattern(
  pattern: PathPattern,
  segments: readonly string[],
  foldCase = false,
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  const { segments: wanted } = pattern;
  for (let i = 0; i < wanted.length; i++) {
    const want = wanted[i] as PathSegment;
    if (want.kind === "rest") return params;
    const got = segments[i];
    if (got === undefined) return undefined;
    switch (want.kind) {
      case "literal":
        if (foldCase ? got.toLowerCase() !== want.folded : got !== want.value) return undefined;
        break;
      case "param":
        if (got === "") return undefined;
        params[want.name] = got;
        break;
      case "any":
        if (got === "") return undefined;
        break;
    }
  }
  return segments.length === wanted.length ? params : undefined;
}

/**
 * True when every path `inner` matches is also matched by `outer` (ignoring methods and host).
 * Used to warn about rules that an earlier rule always wins over.
 */
export function patternCovers(outer: PathPattern, inner: PathPattern): boolean {
  const a = outer.segments;
  const b = inner.segments;
  for (let i = 0; i < a.length; i++) {
    const want = a[i] as PathSegment;
    if (want.kind === "rest") return true;
    const got = b[i];
    if (got === undefined || got.kind === "rest") return false;
    if (want.kind === "literal") {
      if (got.kind !== "literal" || got.value !== want.value) return false;
    } else if (got.kind === "literal" && got.value === "") {
      // '*' and '{name}' never take the empty segment a trailing slash leaves.
      return false;
    }
  }
  return a.length === b.length;
}
