// The request as the caller made it: its address, the host it asked for and the scheme it used.
// tollgate's own view (its peer, its URL) unless the peer is a trusted front end; then the
// front end's X-Forwarded-For, -Host and -Proto are believed, walked from the right so that no
// entry the caller wrote is ever taken for the address a trusted hop saw.

import { BlockList, isIP } from "node:net";
import type { TrustedProxySettings } from "../config/trusted-proxy-settings.js";
import { TollgateError } from "../reasons.js";
import type { IncomingRequest, RequestContext } from "./request-handler.js";

export interface CallerView {
  /** The URL with the caller's host and scheme; path and query are tollgate's own, always. */
  url: URL;
  clientIp: string;
}

export interface ProxyTrust {
  /** True when the immediate peer may speak for the caller (a range, or it passed the bypass defence). */
  peerTrusted(peer: string, headers: Headers): boolean;
  /** True for an address a trusted hop may have written into X-Forwarded-For (one of the ranges). */
  hopTrusted(address: string): boolean;
}

/** The bare address of one X-Forwarded-For entry (`1.2.3.4`, `1.2.3.4:5`, `[::1]:5`, `::1`), or undefined. */
export function forwardedAddress(entry: string): string | undefined {
  const text = entry.trim();
  const withPort = /^(?:\[([^\]]+)\]|([\d.]+))(?::(\d{1,5}))?$/.exec(text);
  if (withPort?.[3] !== undefined && Number(withPort[3]) > 65_535) return undefined;
  const address = withPort?.[1] ?? withPort?.[2] ?? text;
  return isIP(address) !== 0 ? address : undefined;
}

/**
 * The client's address by the rightmost-trusted-hop walk, from a peer already trusted: step one
 * entry to the left, and on while the address there is a trusted hop. The first untrusted
 * address is the client; entries left of it are the caller's own writing and are never read (if
 * every entry is a trusted hop, the left-most is the best known). A malformed entry the walk
 * reaches is refused rather than skipped: a trusted hop wrote it.
 */
export function walkForwardedFor(
  peer: string,
  entries: readonly string[],
  hopTrusted: (address: string) => boolean,
): string | { problem: string } {
  let client = peer;
  for (let i = entries.length - 1; i >= 0; i--) {
    const address = forwardedAddress(entries[i] as string);
    if (address === undefined) return { problem: "an X-Forwarded-For entry is not an IP address" };
    client = address;
    if (!hopTrusted(address)) break;
  }
  return client;
}

/**
 * A DNS name, IPv4 or bracketed IPv6 address with an optional port, as a `host:` rule is written
 * (policy-schema.ts): nothing that moves the path, and nothing a rule could not name.
 */
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** The one value a trusted front end set, or the problem with it. */
function singleValue(headers: Headers, name: string): string | undefined | { problem: string } {
  const value = headers.get(name.toLowerCase());
  if (value === null) return undefined;
  // Two copies arrive joined by a comma: a front end that appended rather than replaced, and
  // which copy is the caller's cannot be told.
  if (value.includes(",")) return { problem: `${name} holds more than one value` };
  return value.trim();
}

function refuse(problem: string): never {
  throw new TollgateError(
    "forwarded_header_invalid",
    `The trusted front end's forwarding headers cannot be read: ${problem}.`,
  );
}

/**
 * The caller's view of this request. Throws `forwarded_header_invalid` when the peer is trusted
 * and what it forwarded cannot be read; with no trust configured it is tollgate's view, as is.
 */
export function callerView(
  request: IncomingRequest,
  context: RequestContext,
  trust: ProxyTrust | undefined,
): CallerView {
  const url = new URL(request.url);
  if (trust === undefined || !trust.peerTrusted(context.clientIp, request.headers)) {
    return { url, clientIp: context.clientIp };
  }
  const entries = (request.headers.get("x-forwarded-for") ?? "").split(",").filter((e) => e.trim() !== "");
  // Under the Functions host the platform's front end appended the peer itself: that entry is
  // context.clientIp already, not a hop to walk.
  if (context.peerInForwardedFor) entries.pop();
  const clientIp = walkForwardedFor(context.clientIp, entries, trust.hopTrusted);
  if (typeof clientIp !== "string") refuse(clientIp.problem);

  const host = singleValue(request.headers, "X-Forwarded-Host");
  if (typeof host === "object") refuse(host.problem);
  if (host !== undefined) {
    const port = /:(\d+)$/.exec(host)?.[1];
    if (!HOST.test(host) || Number(port ?? 0) > 65_535) refuse("X-Forwarded-Host is not a host name");
    url.host = host;
    // The URL keeps its old port when the new host names none.
    if (!/:\d+$/.test(host)) url.port = "";
    // The URL parser rewrites some hosts (`0x7f.1` is 127.0.0.1) and ignores others it cannot
    // take: either way the host a rule would match is not the one sent.
    if (url.hostname !== host.replace(/:\d+$/, "").toLowerCase())
      refuse("X-Forwarded-Host is not a host name");
  }
  const proto = singleValue(request.headers, "X-Forwarded-Proto");
  if (typeof proto === "object") refuse(proto.problem);
  if (proto !== undefined) {
    const scheme = proto.toLowerCase();
    if (scheme !== "http" && scheme !== "https") refuse("X-Forwarded-Proto is neither http nor https");
    const port = url.port;
    url.protocol = `${scheme}:`;
    url.port = port;
  }
  return { url, clientIp };
}

/** The trust TOLLGATE_TRUSTED_PROXIES states; undefined when it trusts nobody (the default). */
export function proxyTrust(
  settings: TrustedProxySettings,
  passesBypass: (headers: Headers) => boolean,
): ProxyTrust | undefined {
  if (!settings.frontEnd && settings.ranges.length === 0) return undefined;
  const ranges = new BlockList();
  for (const range of settings.ranges) {
    const [address = "", prefix] = range.split("/");
    ranges.addSubnet(address, Number(prefix), isIP(address) === 6 ? "ipv6" : "ipv4");
  }
  const hopTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && ranges.check(address, family === 6 ? "ipv6" : "ipv4");
  };
  return {
    peerTrusted: (peer, headers) => hopTrusted(peer) || (settings.frontEnd && passesBypass(headers)),
    hopTrusted,
  };
}
