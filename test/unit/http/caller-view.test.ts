// The request as the caller made it: the rightmost-trusted-hop walk over X-Forwarded-For, and
// X-Forwarded-Host/-Proto believed only from a trusted peer, refused when they cannot be read.

import { describe, expect, it } from "vitest";
import { loadSettings, SettingsError } from "../../../shared/config/settings.js";
import {
  callerView,
  forwardedAddress,
  proxyTrust,
  walkForwardedFor,
} from "../../../shared/http/caller-view.js";
import { TollgateError } from "../../../shared/reasons.js";

const BASE = {
  TOLLGATE_TENANTS: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  TOLLGATE_AUDIENCES: "api://tollgate-demo",
  TOLLGATE_STORAGE: "UseDevelopmentStorage=true",
};

const trustedRanges = (text: string, passesBypass: (headers: Headers) => boolean = () => false) => {
  const env = { ...BASE, TOLLGATE_TRUSTED_PROXIES: text, TOLLGATE_GATEWAY_KEY: "k".repeat(32) };
  const trust = proxyTrust(loadSettings(env).trustedProxies, passesBypass);
  if (trust === undefined) throw new Error("expected some trust");
  return trust;
};

const request = (headers: Record<string, string>, url = "http://tollgate.internal:7071/orders/1?x=1") =>
  new Request(url, { headers });
const signal = new AbortController().signal;

function refusalOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TollgateError);
    return `${(error as TollgateError).reason}: ${(error as TollgateError).message}`;
  }
  throw new Error("expected a refusal");
}

describe("forwardedAddress", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    [" 203.0.113.7:51234 ", "203.0.113.7"],
    ["2001:db8::1", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["[2001:db8::1]", "2001:db8::1"],
  ])("reads %s as %s", (entry, address) => {
    expect(forwardedAddress(entry)).toBe(address);
  });

  it.each(["unknown", "", "203.0.113", "evil.example", "1.2.3.4:99999", "[nope]"])("refuses %j", (entry) => {
    expect(forwardedAddress(entry)).toBeUndefined();
  });
});

describe("walkForwardedFor (the peer already trusted)", () => {
  const trusted = (address: string) => address.startsWith("10.");

  it("takes the right-most untrusted entry, never the left-most the caller wrote", () => {
    expect(walkForwardedFor("10.0.0.1", ["6.6.6.6", "203.0.113.7"], trusted)).toBe("203.0.113.7");
  });

  it("steps over trusted hops", () => {
    expect(walkForwardedFor("10.0.0.1", ["6.6.6.6", "203.0.113.7", "10.0.0.2"], trusted)).toBe("203.0.113.7");
  });

  it("keeps the peer when there is no entry, and the left-most when every entry is a trusted hop", () => {
    expect(walkForwardedFor("10.0.0.1", [], trusted)).toBe("10.0.0.1");
    expect(walkForwardedFor("10.0.0.1", ["10.0.0.3", "10.0.0.2"], trusted)).toBe("10.0.0.3");
  });

  it("refuses a malformed entry the walk reaches, and never reads one left of the client", () => {
    expect(walkForwardedFor("10.0.0.1", ["garbage"], trusted)).toEqual({
      problem: "an X-Forwarded-For entry is not an IP address",
    });
    expect(walkForwardedFor("10.0.0.1", ["garbage", "203.0.113.7"], trusted)).toBe("203.0.113.7");
  });
});

describe("callerView", () => {
  it("is tollgate's own view when nothing is trusted (the default)", () => {
    expect(proxyTrust(loadSettings(BASE).trustedProxies, () => true)).toBeUndefined();
    const view = callerView(
      request({
        "x-forwarded-for": "6.6.6.6",
        "x-forwarded-host": "admin.contoso.com",
        "x-forwarded-proto": "https",
      }),
      { clientIp: "10.0.0.1", signal },
      undefined,
    );
    expect({ ip: view.clientIp, url: view.url.href }).toEqual({
      ip: "10.0.0.1",
      url: "http://tollgate.internal:7071/orders/1?x=1",
    });
  });

  it("is tollgate's own view when the peer is not in a trusted range", () => {
    const view = callerView(
      request({ "x-forwarded-for": "6.6.6.6", "x-forwarded-host": "admin.contoso.com" }),
      { clientIp: "192.0.2.9", signal },
      trustedRanges("10.0.0.0/8"),
    );
    expect({ ip: view.clientIp, host: view.url.host }).toEqual({
      ip: "192.0.2.9",
      host: "tollgate.internal:7071",
    });
  });

  it("believes a trusted peer's address, host and scheme; path and query stay tollgate's", () => {
    const view = callerView(
      request({
        "x-forwarded-for": "6.6.6.6, 203.0.113.7",
        "x-forwarded-host": "api.contoso.com",
        "x-forwarded-proto": "https",
      }),
      { clientIp: "10.0.0.1", signal },
      trustedRanges("10.0.0.0/8"),
    );
    expect({ ip: view.clientIp, url: view.url.href }).toEqual({
      ip: "203.0.113.7",
      url: "https://api.contoso.com/orders/1?x=1",
    });
  });

  it("keeps a forwarded host's port, and tollgate's host when none is forwarded", () => {
    const trust = trustedRanges("10.0.0.1");
    const ctx = { clientIp: "10.0.0.1", signal };
    expect(callerView(request({ "x-forwarded-host": "api.contoso.com:8443" }), ctx, trust).url.host).toBe(
      "api.contoso.com:8443",
    );
    expect(callerView(request({ "x-forwarded-proto": "HTTPS" }), ctx, trust).url.href).toBe(
      "https://tollgate.internal:7071/orders/1?x=1",
    );
  });

  it("under the Functions host, starts the walk left of the entry the platform appended for the peer", () => {
    const view = callerView(
      request({ "x-forwarded-for": "6.6.6.6, 203.0.113.7, 10.0.0.1:50123" }),
      { clientIp: "10.0.0.1", peerInForwardedFor: true, signal },
      trustedRanges("10.0.0.0/8"),
    );
    expect(view.clientIp).toBe("203.0.113.7");
  });

  it("trusts a `front-end` peer only when it passed the bypass defence, whatever its address", () => {
    const trust = trustedRanges("front-end", (headers) => headers.get("x-tollgate-gateway-key") === "k");
    const spoof = { "x-forwarded-for": "203.0.113.7", "x-forwarded-host": "api.contoso.com" };
    const ctx = { clientIp: "198.51.100.4", signal };
    expect(callerView(request(spoof), ctx, trust).clientIp).toBe("198.51.100.4");
    const proven = callerView(request({ ...spoof, "x-tollgate-gateway-key": "k" }), ctx, trust);
    expect({ ip: proven.clientIp, host: proven.url.host }).toEqual({
      ip: "203.0.113.7",
      host: "api.contoso.com",
    });
  });

  it.each([
    [{ "x-forwarded-host": "a.contoso.com, b.contoso.com" }, "X-Forwarded-Host holds more than one value"],
    [{ "x-forwarded-host": "x/manage/users?" }, "X-Forwarded-Host is not a host name"],
    [{ "x-forwarded-host": "" }, "X-Forwarded-Host is not a host name"],
    [{ "x-forwarded-host": "user@evil.example" }, "X-Forwarded-Host is not a host name"],
    [{ "x-forwarded-host": "a;b.example" }, "X-Forwarded-Host is not a host name"],
    [{ "x-forwarded-host": "api.contoso.com:99999" }, "X-Forwarded-Host is not a host name"],
    [{ "x-forwarded-host": "0x7f.1" }, "X-Forwarded-Host is not a host name"],
    [{ "x-forwarded-proto": "ftp" }, "X-Forwarded-Proto is neither http nor https"],
    [{ "x-forwarded-proto": "https, http" }, "X-Forwarded-Proto holds more than one value"],
    [{ "x-forwarded-for": "unknown" }, "an X-Forwarded-For entry is not an IP address"],
  ])("refuses %j from a trusted peer: %s", (headers, problem) => {
    const message = refusalOf(() =>
      callerView(request(headers), { clientIp: "10.0.0.1", signal }, trustedRanges("10.0.0.0/8")),
    );
    expect(message).toBe(
      `forwarded_header_invalid: The trusted front end's forwarding headers cannot be read: ${problem}.`,
    );
  });

  it("reads an IPv4-mapped peer address (a dual-stack socket's) against an IPv4 range", () => {
    const view = callerView(
      request({ "x-forwarded-for": "203.0.113.7" }),
      { clientIp: "::ffff:127.0.0.1", signal },
      trustedRanges("127.0.0.0/8"),
    );
    expect(view.clientIp).toBe("203.0.113.7");
  });
});

describe("TOLLGATE_TRUSTED_PROXIES", () => {
  const refusal = (env: Record<string, string>) => {
    try {
      loadSettings({ ...BASE, ...env });
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      return (error as SettingsError).message;
    }
    throw new Error("the settings were accepted");
  };

  it("trusts nobody by default, and reads ranges, bare addresses and front-end", () => {
    expect(loadSettings(BASE).trustedProxies).toEqual({ frontEnd: false, ranges: [] });
    expect(
      loadSettings({
        ...BASE,
        TOLLGATE_TRUSTED_PROXIES: " 10.1.0.0/16, 2001:db8::/48 ,192.0.2.1, Front-End",
        TOLLGATE_GATEWAY_KEY: "k".repeat(32),
      }).trustedProxies,
    ).toEqual({ frontEnd: true, ranges: ["10.1.0.0/16", "2001:db8::/48", "192.0.2.1/32"] });
  });

  it.each([
    ["10.0.0.0/33", "'10.0.0.0/33' has a prefix longer than 32 bits"],
    ["0.0.0.0/0", "'0.0.0.0/0' trusts every address; name the front end's ranges"],
    ["::/0", "'::/0' trusts every address"],
    ["10.0.0.0/", "'10.0.0.0/' has no prefix length after '/'"],
    ["apim.contoso.com", "'apim.contoso.com' is not an address range (CIDR) nor 'front-end'"],
  ])("refuses %s", (value, message) => {
    expect(refusal({ TOLLGATE_TRUSTED_PROXIES: value })).toContain(`TOLLGATE_TRUSTED_PROXIES ${message}`);
  });

  it("refuses front-end without a bypass defence to pass, which would trust every peer", () => {
    expect(refusal({ TOLLGATE_TRUSTED_PROXIES: "front-end" })).toContain(
      "neither TOLLGATE_FRONT_DOOR_ID nor TOLLGATE_GATEWAY_KEY is set",
    );
  });
});
