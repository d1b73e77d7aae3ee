// Where a request goes: the backend's origin and base path, and the exact path and query the
// caller asked for, joined without re-normalising anything the gateway authorised.

export interface BackendTarget {
  /** `http(s)://host[:port]`, which keys the connection pool. */
  origin: string;
  /** The backend URL's path without its trailing '/', or "" for none. */
  basePath: string;
}

const targets = new Map<string, BackendTarget>();
const MAX_TARGETS_REMEMBERED = 1024;

/**
 * The origin and base path of a backend URL (`https://orders.internal:8443/api`). Throws a
 * TypeError for anything but http(s) without credentials, query or fragment; the message does
 * not quote the URL, which could hold a password.
 */
export function parseBackendUrl(backendUrl: string): BackendTarget {
  const known = targets.get(backendUrl);
  if (known !== undefined) return known;
  let url: URL;
  try {
    url = new URL(backendUrl);
  } catch {
    throw new TypeError(
      "The backend URL is not an absolute URL (example: https://orders.internal:8443/api).",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError("The backend URL must be http: or https:.");
  }
  if (
    url.username !== "" ||
    url.password !== "" ||
    url.search !== "" ||
    url.hash !== "" ||
    backendUrl.includes("?")
  ) {
    throw new TypeError("The backend URL must not carry credentials, a query or a fragment.");
  }
  const target = { origin: url.origin, basePath: url.pathname.replace(/\/+$/, "") };
  if (targets.size >= MAX_TARGETS_REMEMBERED) targets.clear();
  targets.set(backendUrl, target);
  return target;
}

/**
 * The path and query of `requestUrl` exactly as serialised (an empty `?` included), without the
 * fragment. A Request's URL is already in the WHATWG form the gateway matched routes against.
 */
export function pathAndQuery(requestUrl: string | URL): string {
  const url = typeof requestUrl === "string" ? new URL(requestUrl) : requestUrl;
  // href keeps an empty query's '?', which url.search drops. For http(s) it starts with the origin.
  const href = url.href;
  const rest = href.startsWith(url.origin) ? href.slice(url.origin.length) : url.pathname + url.search;
  const fragment = rest.indexOf("#");
  return fragment === -1 ? rest : rest.slice(0, fragment);
}
