// Entra's metadata misbehaving while load runs: down, slower than the fetch timeout, garbage
// JSON, HTTP 500, keys that fail validation. Tokens signed with keys already held keep working
// (a cold instance starts from the Table snapshot), tokens naming an unknown key are 503 (never
// 401: the key may be real), nothing crashes, and a rotation is picked up once Entra is back.
// Past the stale horizon the answer is 503; that part runs in-process on a manual clock.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../shared/clock.js";
import { loadSettings } from "../../shared/config/settings.js";
import { createTableClientFactory } from "../../shared/storage/table-client.js";
import { createTollgate, type Tollgate } from "../../shared/tollgate.js";
import type { IssuerMode } from "../../tools/loopback/entra-issuer.js";
import { type Stack, startStack } from "../support/attack-stack.js";
import type { LocalHost } from "../support/local-host.js";
import { type Caller, caller } from "./caller.js";
import { outcomes, runLoad } from "./load.js";

let stack: Stack;
let host: LocalHost;
let client: Caller;
let good: string;
/** Signed by a key Entra has not published yet: every use makes the gateway ask Entra again. */
let unknownKid: string;

const POLICY = {
  version: 1,
  rules: [{ id: "orders", methods: ["GET"], path: "/orders/**", require: { roles: { anyOf: ["reader"] } } }],
};

beforeAll(async () => {
  stack = await startStack({
    TOLLGATE_KEYS_FETCH_TIMEOUT_MS: "300",
    // No cooldown: under load the unknown kid sends the gateway to Entra over and over.
    TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS: "0",
  });
  await stack.push(POLICY);
  host = await stack.startHost();
  client = caller(host.url, 16);
  good = await stack.issuer.mint({ roles: ["reader"] });
  unknownKid = await stack.issuer.mint({
    roles: ["reader"],
    kid: await stack.issuer.addKey({ publish: false }),
  });
}, 90_000);

afterAll(async () => {
  await client?.close();
  await stack?.stop();
});

/** 240 requests, one in four with the unknown kid (each waits for a fetch), while the issuer is in `mode`. */
async function loadWhile(mode: IssuerMode, setUp: () => void = () => {}) {
  stack.issuer.setMode(mode);
  setUp();
  try {
    const [valid, unknown] = await Promise.all([
      runLoad({
        count: 180,
        concurrency: 6,
        timeLimitMs: 20_000,
        send: () => client.call("/orders/1", good),
      }),
      runLoad({
        count: 60,
        concurrency: 8,
        timeLimitMs: 20_000,
        send: () => client.call("/orders/1", unknownKid),
      }),
    ]);
    return { valid, unknown };
  } finally {
    stack.issuer.setMode("up");
  }
}

describe("issuer faults under load, on a running gateway", () => {
  it.each<[string, IssuerMode]>([
    ["down (connections reset)", "down"],
    ["slower than the fetch timeout", "slow"],
    ["answering garbage JSON", "garbage"],
    ["answering HTTP 500", "http500"],
  ])("issuer %s: held keys keep working, an unknown kid is 503", async (_, mode) => {
    stack.issuer.slowMs = 3_000;
    stack.issuer.resetCounters();
    const { valid, unknown } = await loadWhile(mode);
    expect(outcomes(valid)).toEqual({ "200": 180 });
    expect(outcomes(unknown)).toEqual({ "503 keys_unavailable": 60 });
    // The faulty issuer really was asked, again and again.
    expect(stack.issuer.requests.total).toBeGreaterThan(1);
  });

  it("keys that fail validation (exponent 3, use enc): the last good keys keep working", async () => {
    const kids = stack.issuer.publishedKids();
    const { valid, unknown } = await loadWhile("up", () => {
      for (const [i, kid] of kids.entries())
        stack.issuer.setJwkOverride(kid, i % 2 ? { use: "enc" } : { e: "Aw" });
    });
    for (const kid of kids) stack.issuer.setJwkOverride(kid, undefined);
    expect(outcomes(valid)).toEqual({ "200": 180 });
    expect(outcomes(unknown)).toEqual({ "503 keys_unavailable": 60 });
  });

  it("a cold instance with the issuer down starts from the Table snapshot", async () => {
    stack.issuer.setMode("down");
    try {
      const cold = await stack.startHost();
      const coldClient = caller(cold.url, 4);
      try {
        expect(await coldClient.call("/orders/1", good)).toBe("200");
      } finally {
        await coldClient.close();
        await cold.stop();
      }
    } finally {
      stack.issuer.setMode("up");
    }
  });

  it("nothing crashed, and a rotation is picked up once the issuer is back", async () => {
    expect((await fetch(`${host.url}/.tollgate/health`)).status).toBe(200);
    expect(host.output()).not.toMatch(/unhandled|uncaught/i);
    await stack.issuer.rotate();
    const rotated = await stack.issuer.mint({ roles: ["reader"] });
    expect(await client.call("/orders/1", rotated)).toBe("200");
    expect(await client.call("/orders/1", unknownKid)).toBe("401 key_not_found");
  });
});

describe("past the stale horizon (in-process, on a manual clock)", () => {
  let tollgate: Tollgate;
  let clock: ManualClock;
  const MAX_STALENESS_SECONDS = 300;

  beforeAll(async () => {
    // From now: the key snapshot in the Table, written a moment ago, ages with this clock too.
    clock = new ManualClock(Date.now());
    const settings = loadSettings({
      ...stack.env,
      TOLLGATE_KEYS_MAX_STALENESS_SECONDS: String(MAX_STALENESS_SECONDS),
      TOLLGATE_KEYS_REFETCH_COOLDOWN_SECONDS: "60",
    });
    tollgate = await createTollgate(settings, { clock, tables: createTableClientFactory(settings.storage) });
    await tollgate.start();
  });

  afterAll(async () => {
    await tollgate?.stop();
  });

  const callInProcess = async (token: string): Promise<string> => {
    const response = await tollgate.handle(
      new Request("http://tollgate.test/orders/1", { headers: { authorization: `Bearer ${token}` } }),
      { clientIp: "127.0.0.1", signal: new AbortController().signal },
    );
    await response.body?.cancel();
    const retryAfter = response.headers.get("retry-after");
    return retryAfter === null ? String(response.status) : `${response.status} retry-after`;
  };
  const loadInProcess = (count: number) =>
    runLoad({ count, concurrency: 8, timeLimitMs: 20_000, send: () => callInProcess(good) });

  it("valid tokens work up to the horizon with the issuer down, then 503 with Retry-After, then recover", async () => {
    expect(outcomes(await loadInProcess(50))).toEqual({ "200": 50 });
    stack.issuer.setMode("down");
    try {
      clock.advance((MAX_STALENESS_SECONDS - 10) * 1000);
      expect(outcomes(await loadInProcess(100))).toEqual({ "200": 100 });
      clock.advance(20_000);
      expect(outcomes(await loadInProcess(100))).toEqual({ "503 retry-after": 100 });
    } finally {
      stack.issuer.setMode("up");
    }
    // Past the refetch cooldown the next request asks Entra again, which now answers.
    clock.advance(61_000);
    expect(outcomes(await loadInProcess(50))).toEqual({ "200": 50 });
  });
});
