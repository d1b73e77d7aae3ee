// An instance that has never loaded a role map refuses with 503, not 403: the caller did nothing
// wrong, and readiness says why. Its own file: it builds tollgate in this process, whose undici
// import would change how this process's own fetch treats the headers other gateway tests send.

import { afterAll, beforeAll, expect, it } from "vitest";
import { loadSettings } from "../../../shared/config/settings.js";
import { createTollgate } from "../../../shared/tollgate.js";
import { type AzuriteHandle, startAzurite } from "../../../tools/loopback/azurite.js";
import { EntraIssuer } from "../../../tools/loopback/entra-issuer.js";

let azurite: AzuriteHandle;
let issuer: EntraIssuer;

beforeAll(async () => {
  [azurite, issuer] = await Promise.all([startAzurite(), EntraIssuer.start()]);
});
afterAll(async () => {
  await Promise.allSettled([azurite?.stop(), issuer?.stop()]);
});

it("answers 503 policy_unavailable with Retry-After until a role map is pushed", async () => {
  const tollgate = await createTollgate(
    loadSettings({
      TOLLGATE_TENANTS: issuer.defaultTenant,
      TOLLGATE_AUDIENCES: issuer.defaultAudience,
      TOLLGATE_AUTHORITY: issuer.authority,
      TOLLGATE_STORAGE: azurite.connectionString,
      TOLLGATE_BACKEND_URL: "http://127.0.0.1:9",
    }),
  );
  await tollgate.start();
  try {
    const response = await tollgate.handle(
      new Request("http://tollgate.test/orders/1", {
        headers: { authorization: `Bearer ${await issuer.mint({ roles: ["reader"] })}` },
      }),
      { clientIp: "127.0.0.1", signal: new AbortController().signal },
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await response.json()).toMatchObject({ status: 503, reason: "policy_unavailable" });
    expect(tollgate.readiness()).toMatchObject({ ready: false, policy: { loaded: false } });
  } finally {
    await tollgate.stop();
  }
});
