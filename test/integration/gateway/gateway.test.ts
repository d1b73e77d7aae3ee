// The gateway through the local host, with the real parts around it: Azurite for the role map
// and key snapshots, the loopback Entra-shaped issuer, and echo backends on loopback.

import { createLocalJWKSet, jwtVerify } from "jose";
import { fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAssertionKey } from "../../../shared/forward/assertion-keys.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { type EchoBackend, startEchoBackend } from "../../../tools/loopback/echo-backend.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";
import { freePort } from "../../../tools/loopback/ports.js";
import { type LocalHost, startFunctionsPathHost, startLocalHost } from "../../support/local-host.js";
import { pushWithCli } from "../../support/push-with-cli.js";

/** The local host here; gateway-functions-path.test.ts runs this same suite on the Functions path. */
const onFunctionsPath =
  (globalThis as { tollgateOnFunctionsPath?: boolean }).tollgateOnFunctionsPath === true;

const MB = 1024 * 1024;
// "Flat" for a 50 MB body: less than the body itself, so it was never held whole. Not tighter:
// up to tens of MB of short-lived chunks may wait for the next scavenge, and V8 keeps grown
// semi-spaces committed (18-30 MB seen); buffering shows as 50+ MB.
const FLAT = 48 * MB;
let azurite: AzuriteHandle;
let issuer: EntraIssuer;
let backend: EchoBackend;
let slowBackend: EchoBackend;
let host: LocalHost;
let env: Record<string, string>;
let readerToken: string;
let adminToken: string;

function policy(extraRules: object[] = []) {
  return {
    version: 1,
    backends: { slow: { url: slowBackend.url }, gone: { url: goneUrl } },
    rateLimits: {
      tight: { requests: 2, window: "1h", key: ["objectId"] },
      "fails-closed": { requests: 1000, window: "1h", key: ["objectId"] },
      "fails-open": { requests: 1000, window: "1h", key: ["objectId"], onStorageError: "open" },
      "default-key": { requests: 2, window: "1h" },
      "per-address": { requests: 2, window: "1h", key: ["clientIp"] },
    },
    rules: [
      { id: "search", methods: ["GET"], path: "/search/**", rateLimit: "tight" },
      { id: "shared-client", methods: ["GET"], path: "/shared-client/**", rateLimit: "default-key" },
      { id: "closed", methods: ["GET"], path: "/closed/**", rateLimit: "fails-closed" },
      { id: "open", methods: ["GET"], path: "/open/**", rateLimit: "fails-open" },
      {
        id: "orders-read",
        methods: ["GET"],
        path: "/orders/**",
        require: { roles: { anyOf: ["reader", "admin"] } },
      },
      {
        id: "orders-write",
        methods: ["POST", "PUT"],
        path: "/orders/**",
        require: { roles: { anyOf: ["admin"] } },
      },
      { id: "manage", methods: ["*"], path: "/manage/**", require: { roles: { anyOf: ["admin"] } } },
      { id: "slow", methods: ["GET"], path: "/slow/**", backend: "slow" },
      { id: "gone", methods: ["GET"], path: "/gone/**", backend: "gone" },
      { id: "docs", methods: ["GET"], path: "/docs/**", public: true },
      { id: "status", methods: ["GET"], path: "/status", public: true, rateLimit: "per-address" },
      ...extraRules,
    ],
  };
}
let goneUrl: string;

const push = (document: object) => pushWithCli(env, document);

interface Problem {
  status: number;
  reason: string;
  traceId: string;
}
const problem = async (response: Response): Promise<Problem> => (await response.json()) as Problem;

const call = (path: string, token?: string, init: RequestInit = {}) =>
  fetch(`${host.url}${path}`, {
    ...init,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.headers as Record<string, string>),
    },
  });

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("condition not met in time");
}

beforeAll(async () => {
  [azurite, issuer, backend, slowBackend] = await Promise.all([
    startAzurite(),
    EntraIssuer.start({ defaultAudience: "api://tollgate-test" }),
    startEchoBackend(),
    startEchoBackend(),
  ]);
  goneUrl = `http://127.0.0.1:${await freePort()}`;
  slowBackend.slowMs = 5_000;
  await slowBackend.setMode("slow-headers");
  env = {
    TOLLGATE_TENANTS: issuer.defaultTenant,
    TOLLGATE_AUDIENCES: "api://tollgate-test",
    TOLLGATE_AUTHORITY: issuer.authority,
    TOLLGATE_STORAGE: azurite.connectionString,
    TOLLGATE_BACKEND_URL: backend.url,
    TOLLGATE_ASSERTION_KEYS: generateAssertionKey(),
    TOLLGATE_POLICY_REFRESH_SECONDS: "1",
    TOLLGATE_STORAGE_TIMEOUT_MS: "500",
    TOLLGATE_BACKEND_FIRST_BYTE_TIMEOUT_MS: "1000",
    TOLLGATE_MAX_BODY_BYTES: String(60 * MB),
  };
  await push(policy());
  host = await (onFunctionsPath ? startFunctionsPathHost : startLocalHost)(env);
  readerToken = await issuer.mint({ roles: ["reader"] });
  adminToken = await issuer.mint({ roles: ["admin"] });
  await eventually(async () => (await call("/.tollgate/ready")).status === 200);
}, 90_000);

afterAll(async () => {
  await host?.stop();
  await Promise.allSettled([azurite?.stop(), issuer?.stop(), backend?.stop(), slowBackend?.stop()]);
});

describe("an allowed call", () => {
  it("reaches the backend with identity headers and an assertion it can verify", async () => {
    const response = await call("/orders/42?expand=lines", readerToken);
    expect(response.status).toBe(200);
    const seen = backend.requests.at(-1);
    expect(seen?.path).toBe("/orders/42?expand=lines");
    expect(seen?.headers).toMatchObject({
      "x-tollgate-tenant-id": issuer.defaultTenant,
      "x-tollgate-object-id": issuer.defaultUserOid,
      "x-tollgate-client-app-id": issuer.defaultClientApp,
      "x-tollgate-principal-kind": "user",
      "x-tollgate-roles": "reader",
      "x-forwarded-for": "127.0.0.1",
    });
    expect(seen?.headers.authorization).toBeUndefined();

    const jwks = (await (await call("/.well-known/jwks.json")).json()) as { keys: Array<{ kid: string }> };
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    const assertion = seen?.headers["x-tollgate-assertion"] ?? "";
    const { payload, protectedHeader } = await jwtVerify(
      assertion,
      createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]),
      {
        issuer: "tollgate",
        audience: new URL(backend.url).origin,
        algorithms: ["ES256"],
      },
    );
    expect(protectedHeader.kid).toBe(jwks.keys[0]?.kid);
    expect(payload).toMatchObject({
      oid: issuer.defaultUserOid,
      tid: issuer.defaultTenant,
      roles: ["reader"],
    });
  });

  it("never lets client-supplied identity headers through", async () => {
    // undici's own fetch, not Node's bundled one: the bundled client refuses to send a Connection
    // header that names other headers, and a hostile client would send it anyway.
    const response = await undiciFetch(`${host.url}/orders/1`, {
      headers: {
        authorization: `Bearer ${readerToken}`,
        "x-tollgate-object-id": "00000000-0000-0000-0000-000000000000",
        "x-tollgate-roles": "admin",
        "x-ms-client-principal": "eyJhZG1pbiI6dHJ1ZX0=",
        "x-ms-client-principal-id": "evil",
        "x-forwarded-for": "203.0.113.9",
        forwarded: "for=203.0.113.9",
        connection: "x-tollgate-roles",
      },
    });
    expect(response.status).toBe(200);
    const seen = backend.requests.at(-1)?.headers ?? {};
    expect(seen["x-tollgate-object-id"]).toBe(issuer.defaultUserOid);
    expect(seen["x-tollgate-roles"]).toBe("reader");
    expect(seen["x-ms-client-principal"]).toBeUndefined();
    expect(seen["x-ms-client-principal-id"]).toBeUndefined();
    expect(seen.forwarded).toBeUndefined();
    expect(seen["x-forwarded-for"]).toBe("127.0.0.1");
  });
});

describe("refusals follow the contract", () => {
  it("no token: 401, a bare Bearer challenge and a problem body with a trace id", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await call("/orders/42", undefined, {
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="tollgate"');
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await problem(response)).toMatchObject({ status: 401, reason: "token_missing", traceId });
  });

  it("an expired token: 401 invalid_token with a description", async () => {
    const expired = await issuer.mint({ now: Math.floor(Date.now() / 1000) - 7200, lifetimeSeconds: 3600 });
    const response = await call("/orders/42", expired);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(
      /^Bearer realm="tollgate", error="invalid_token", error_description="The token expired at [^"]+"$/,
    );
    const body = await problem(response);
    expect(body.reason).toBe("token_expired");
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("a reader on the admin area: 403 insufficient_scope naming the role", async () => {
    const response = await call("/manage/users", readerToken);
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toMatch(/error="insufficient_scope".*scope="admin"/);
    expect((await problem(response)).reason).toBe("insufficient_scope");
    expect(backend.requests.some((r) => r.path.startsWith("/manage"))).toBe(false);
  });

  it("a path no rule names: 403 no_matching_rule", async () => {
    const response = await call("/reports/2026", readerToken);
    expect(response.status).toBe(403);
    expect((await problem(response)).reason).toBe("no_matching_rule");
  });
});

describe("public rules", () => {
  it("need no token, and the backend gets no identity: no identity headers, no assertion", async () => {
    const response = await undiciFetch(`${host.url}/docs/index.html`, {
      headers: {
        "x-tollgate-roles": "admin",
        "x-tollgate-object-id": "00000000-0000-0000-0000-000000000000",
      },
    });
    expect(response.status).toBe(200);
    const seen = backend.requests.at(-1);
    expect(seen?.path).toBe("/docs/index.html");
    expect(Object.keys(seen?.headers ?? {}).filter((name) => name.startsWith("x-tollgate-"))).toEqual([]);
    expect(seen?.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("never check or forward a token sent anyway, good or bad", async () => {
    for (const token of [readerToken, "not-a-token"]) {
      const response = await call("/docs/a", token);
      expect(response.status).toBe(200);
      const seen = backend.requests.at(-1)?.headers ?? {};
      expect(seen.authorization).toBeUndefined();
      expect(seen["x-tollgate-object-id"]).toBeUndefined();
    }
  });

  it("are rate-limited by the caller's address when the rule names a limit keyed by clientIp", async () => {
    expect((await call("/status")).status).toBe(200);
    expect((await call("/status", readerToken)).status).toBe(200);
    const over = await call("/status");
    expect(over.status).toBe(429);
    expect(await problem(over)).toMatchObject({ reason: "rate_limited" });
  });

  it("leave every other route as it was: no token, 401", async () => {
    const response = await call("/docs-not/a");
    expect(response.status).toBe(401);
    expect(await problem(response)).toMatchObject({ reason: "token_missing" });
  });
});

describe("the backend", () => {
  it("down: 502 backend_unavailable", async () => {
    const response = await call("/gone/x", readerToken);
    expect(response.status).toBe(502);
    expect((await problem(response)).reason).toBe("backend_unavailable");
  });

  it("too slow: 504 backend_timeout", async () => {
    const response = await call("/slow/x", readerToken);
    expect(response.status).toBe(504);
    expect((await problem(response)).reason).toBe("backend_timeout");
  });
});

describe("bodies", () => {
  function stream(bytes: number): ReadableStream<Uint8Array> {
    const chunk = new Uint8Array(64 * 1024).fill(97);
    let sent = 0;
    return new ReadableStream({
      pull(controller) {
        if (sent >= bytes) return controller.close();
        const size = Math.min(chunk.length, bytes - sent);
        controller.enqueue(size === chunk.length ? chunk : chunk.subarray(0, size));
        sent += size;
      },
    });
  }

  it("a 50 MB upload is streamed through with flat memory", async () => {
    // A first upload pays for the pools and buffers every later one reuses.
    await (
      await call("/orders/upload", adminToken, {
        method: "POST",
        body: stream(10 * MB),
        duplex: "half",
      } as RequestInit)
    ).arrayBuffer();
    const before = host.rssBytes();
    const response = await call("/orders/upload", adminToken, {
      method: "POST",
      body: stream(50 * MB),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(200);
    expect(backend.requests.at(-1)?.bodyBytes).toBe(50 * MB);
    // Buffering would add at least 50 MB; streaming stays within a few chunks and GC slack.
    const growth = host.rssBytes() - before;
    console.log(`50 MB upload: gateway RSS grew ${(growth / MB).toFixed(1)} MB`);
    expect(growth).toBeLessThan(FLAT);
  });

  it("a 50 MB download is streamed back with flat memory", async () => {
    await (await call(`/orders/download?bytes=${10 * MB}`, readerToken)).arrayBuffer();
    const before = host.rssBytes();
    const response = await call(`/orders/download?bytes=${50 * MB}`, readerToken);
    expect(response.status).toBe(200);
    let received = 0;
    let peak = 0;
    for await (const chunk of response.body ?? []) {
      received += chunk.byteLength;
      // Sampled every few MB while the body is still arriving.
      if (received % (4 * MB) < chunk.byteLength) peak = Math.max(peak, host.rssBytes() - before);
    }
    expect(received).toBe(50 * MB);
    console.log(`50 MB download: gateway RSS grew up to ${(peak / MB).toFixed(1)} MB`);
    // On the Functions path the library's stream proxy (sendProxyResponse) writes the answer
    // without waiting for drain, so a reader slower than the backend makes the worker buffer it
    // (36 MB seen on a quiet machine): the library's memory, not tollgate's, and out of its
    // reach (README, "Running it in Azure Functions"). Tollgate's own streaming is held flat on
    // the local host; here the whole body must still arrive.
    if (!onFunctionsPath) expect(peak).toBeLessThan(FLAT);
  });

  it("a body over the limit is 413 and never reaches the backend", async () => {
    const count = backend.requests.length;
    const response = await call("/orders/upload", adminToken, {
      method: "POST",
      body: new Uint8Array(61 * MB),
    });
    expect(response.status).toBe(413);
    expect((await problem(response)).reason).toBe("request_body_too_large");
    expect(backend.requests.length).toBe(count);
  });
});

describe("rate limits", () => {
  it("a caller over the limit gets 429 with Retry-After and the RateLimit fields", async () => {
    const token = await issuer.mint({ roles: ["reader"], oid: crypto.randomUUID() });
    const first = await call("/search/a", token);
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-policy")).toBe('"tight";q=2;w=3600');
    expect(first.headers.get("ratelimit")).toMatch(/^"tight";r=1;t=\d+$/);
    expect((await call("/search/b", token)).status).toBe(200);
    const over = await call("/search/c", token);
    const windowEnd = Math.ceil(Date.now() / 3_600_000) * 3_600_000;
    expect(over.status).toBe(429);
    expect(over.headers.get("content-type")).toBe("application/problem+json");
    expect(over.headers.get("www-authenticate")).toBeNull();
    const retryAfter = Number(over.headers.get("retry-after"));
    // Right to the second: the window ends within the second the header names.
    expect(Math.abs(retryAfter - (windowEnd - Date.now()) / 1000)).toBeLessThan(1.5);
    expect(over.headers.get("ratelimit")).toBe(`"tight";r=0;t=${retryAfter}`);
    expect(await problem(over)).toMatchObject({ status: 429, reason: "rate_limited" });
    // Another caller has their own budget.
    const other = await issuer.mint({ roles: ["reader"], oid: crypto.randomUUID() });
    expect((await call("/search/a", other)).status).toBe(200);
  });

  it("by default keeps a budget per user: one user of a shared client app cannot spend another's", async () => {
    // Both users sign in through the same client app (a pre-authorised public client, say).
    const clientApp = crypto.randomUUID();
    const greedy = await issuer.mint({ roles: ["reader"], oid: crypto.randomUUID(), clientAppId: clientApp });
    const other = await issuer.mint({ roles: ["reader"], oid: crypto.randomUUID(), clientAppId: clientApp });
    expect((await call("/shared-client/a", greedy)).status).toBe(200);
    expect((await call("/shared-client/a", greedy)).status).toBe(200);
    expect((await call("/shared-client/a", greedy)).status).toBe(429);
    expect((await call("/shared-client/a", other)).status).toBe(200);
  });
});

describe("the role map in storage", () => {
  it("a policy pushed by the CLI takes effect without a restart", async () => {
    expect((await call("/reports/2026", readerToken)).status).toBe(403);
    await push(
      policy([
        { id: "reports", methods: ["GET"], path: "/reports/**", require: { roles: { anyOf: ["reader"] } } },
      ]),
    );
    await eventually(async () => (await call("/reports/2026", readerToken)).status === 200);
  });

  it("storage unreachable keeps the last good policy", async () => {
    await azurite.stop();
    // Several refresh intervals pass with storage down.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await call("/reports/2026", readerToken)).status).toBe(200);
    expect((await call("/manage/users", readerToken)).status).toBe(403);
    const ready = (await (await call("/.tollgate/ready")).json()) as {
      policy: { loaded: boolean; lastError?: string };
    };
    expect(ready.policy.loaded).toBe(true);
    expect(ready.policy.lastError).toBeDefined();
  });

  it("storage unreachable: strict limits fail closed (503), open ones admit, within the storage timeout", async () => {
    // Azurite is still down. New callers need a lease, which needs storage.
    const started = Date.now();
    const closed = await call(
      "/closed/x",
      await issuer.mint({ roles: ["reader"], oid: crypto.randomUUID() }),
    );
    expect(closed.status).toBe(503);
    expect(closed.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await problem(closed)).toMatchObject({ reason: "rate_limit_unavailable" });
    const open = await call("/open/x", await issuer.mint({ roles: ["reader"], oid: crypto.randomUUID() }));
    expect(open.status).toBe(200);
    // TOLLGATE_STORAGE_TIMEOUT_MS is 500: neither answer waited much longer.
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
