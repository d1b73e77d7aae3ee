// Method overrides carried in the query string. Rails, Laravel, Symfony and Express's
// method-override serve `POST /x?_method=DELETE` as a DELETE, so the role map would have
// decided a method the backend never runs. tollgate refuses such a query rather than guess.

import { TollgateError } from "../reasons.js";

// Compared after PHP's folding (below) and ignoring case; the header spellings appear too,
// because method-override and some frameworks take them from the query as well.
const OVERRIDE_NAMES = new Set(["_method", "x_http_method_override", "x_http_method", "x_method_override"]);

/**
 * The override parameter the query holds, in its canonical spelling, or undefined. Names are
 * read as PHP reads them: decoded, "." " " and "[" folded to "_", "-" too (as a header name
 * would be), and a trailing "[]" dropped, so `?.method=` and `?_method[]=` are caught as well.
 */
export function methodOverrideParameter(query: URLSearchParams): string | undefined {
  for (const name of query.keys()) {
    const folded = name
      .toLowerCase()
      .replace(/\[\]$/, "")
      .replace(/[.\s[-]/g, "_");
    if (OVERRIDE_NAMES.has(folded)) return folded;
  }
  return undefined;
}

/** The refusal for such a query, shared by the gateway and `tollgate explain`; undefined if none. */
export function methodOverrideRefusal(query: URLSearchParams): TollgateError | undefined {
  const override = methodOverrideParameter(query);
  if (override === undefined) return undefined;
  return new TollgateError(
    "method_override_refused",
    `The query holds '${override}', which some backends run as another method than the one authorised; send the real method instead.`,
  );
}
