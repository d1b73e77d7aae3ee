// `tollgate keys refresh` against running gateways: a key Entra has withdrawn stops verifying on
// every instance within one snapshot check, not after the timer's next run plus the grace.
// Real parts: Azurite, the loopback Entra-shaped issuer, two gateways as their own processes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../../tools/cli/run-cli.js";
import { reasonOf, sendRaw } from "../../security/raw-http.js";
import { eventually, type Stack, startStack } from "../../support/attack-stack.js";

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ TOLLGATE_KEYS_SNAPSHOT_CHECK_SECONDS: "5" });
  await stack.push({ version: 1, rules: [{ id: "orders", methods: ["GET"], path: "/orders/**" }] });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
});

const answer = async (url: string, token: string) => {
  const response = await sendRaw(url, {
    target: "/orders/1",
    headers: [["Authorization", `Bearer ${token}`]],
  });
  return `${response.status} ${reasonOf(response) ?? ""}`.trim();
};

describe("tollgate keys refresh", () => {
  it("drops a withdrawn key on every instance within the snapshot check interval", async () => {
    const hosts = [await stack.startHost(), await stack.startHost()];
    const withdrawn = stack.issuer.activeKid;
    const old = await stack.issuer.mint();
    await stack.issuer.rotate();
    stack.issuer.unpublish(withdrawn);
    const current = await stack.issuer.mint();
    // The instances hold the withdrawn key in memory: it still verifies.
    for (const host of hosts) expect(await answer(host.url, old)).toBe("200");

    let stdout = "";
    let stderr = "";
    const code = await runCli(["keys", "refresh"], {
      env: stack.env,
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain(`removed now: ${withdrawn}`);

    for (const host of hosts) {
      await eventually(
        async () => (await answer(host.url, old)) === "401 key_not_found",
        `the instance on ${host.url} no longer accepts the withdrawn key`,
      );
      expect(await answer(host.url, current)).toBe("200");
    }
  }, 90_000);

  it("refuses to run without the gateway's settings, naming what is missing", async () => {
    let stderr = "";
    const code = await runCli(["keys", "refresh"], {
      env: { TOLLGATE_STORAGE: stack.env.TOLLGATE_STORAGE },
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
    });
    expect(code).toBe(2);
    expect(stderr).toContain("keys refresh needs the gateway's settings");
    expect(stderr).toContain("TOLLGATE_TENANTS");
  });
});
