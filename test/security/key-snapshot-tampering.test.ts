// A signing key planted in the Table snapshot by someone who can write the storage account (Table
// Data Contributor) but does not hold the gateway's secret: a fresh instance must not trust it.
// Real parts throughout: Azurite, the loopback Entra-shaped issuer, gateways as their own processes.

import { createHash } from "node:crypto";
import { TableClient } from "@azure/data-tables";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tableName } from "../../shared/storage/table-names.js";
import { eventually, type Stack, startStack } from "../support/attack-stack.js";
import { decoded } from "./forge.js";
import { reasonOf, sendRaw } from "./raw-http.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  await stack.push({ version: 1, rules: [{ id: "orders", methods: ["GET"], path: "/orders/**" }] });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

describe("a key planted in the Table snapshot", () => {
  it("is never used by a fresh instance: the snapshot's MAC does not verify, Entra's keys are used", async () => {
    // The first instance fetches Entra's keys and writes the snapshot.
    await stack.startHost();
    const table = TableClient.fromConnectionString(
      stack.azurite.connectionString,
      tableName("tollgate", "keys"),
      {
        allowInsecureConnection: true,
      },
    );
    const sourceId = `v2.0_${stack.issuer.defaultTenant}`;
    // Written in the background once the keys are in: wait until it is there.
    let stored: Record<string, unknown> | undefined;
    await eventually(async () => {
      stored = await table.getEntity<Record<string, unknown>>(sourceId, "current").catch(() => undefined);
      return stored !== undefined;
    }, "the first instance wrote its key snapshot");

    // The attacker's key, shaped like Entra's, written with a fresh fetch time.
    const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
    const [entraKey] = JSON.parse(String(stored?.keys)) as Record<string, unknown>[];
    const kid = createHash("sha256").update("planted").digest("base64url").slice(0, 27);
    const planted = { ...entraKey, ...(await exportJWK(publicKey)), kid };
    await table.updateEntity(
      {
        partitionKey: sourceId,
        rowKey: "current",
        keys: JSON.stringify([planted]),
        fetchedAt: { value: Date.now(), type: "Double" },
      },
      "Merge",
    );

    // Any caller, forged: the claims of a real token, signed with the planted key.
    const genuine = await stack.issuer.mint({ roles: ["admin"] });
    const forged = await new SignJWT(decoded(genuine, "payload"))
      .setProtectedHeader({ ...decoded(genuine, "header"), kid, alg: "RS256" })
      .sign(privateKey);

    const fresh = await stack.startHost();
    const before = stack.backend.requests.length;
    const answer = await sendRaw(fresh.url, {
      target: "/orders/1",
      headers: [["Authorization", `Bearer ${forged}`]],
    });
    expect({ status: answer.status, reason: reasonOf(answer) }).toEqual({
      status: 401,
      reason: "key_not_found",
    });
    expect(stack.backend.requests.length).toBe(before);

    // Genuine tokens still work on it: it took Entra's keys instead.
    const ok = await sendRaw(fresh.url, {
      target: "/orders/1",
      headers: [["Authorization", `Bearer ${genuine}`]],
    });
    expect(ok.status).toBe(200);
  }, 120_000);
});
