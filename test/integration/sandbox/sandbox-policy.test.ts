// `npm start -- --policy my.yaml`: the sandbox pushes your role map instead of the demo one, and a
// role map that does not validate stops it with the validator's errors, nothing started.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tollgate-sandbox-policy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the sandbox until `until` appears in its output or it exits; then stops it. */
function sandbox(args: string[], until: string): Promise<{ output: string; code: number | null }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ["node_modules/tsx/dist/cli.mjs", "tools/sandbox/main.ts", ...args],
      {
        cwd: root,
        env: { ...process.env, INIT_CWD: dir },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    const seen = (chunk: Buffer) => {
      output += chunk;
      if (output.includes(until)) child.kill("SIGINT");
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.once("exit", (code) => done({ output, code }));
  });
}

describe("the sandbox with your own role map", () => {
  it("pushes the file --policy names (relative to where npm was started) and says so", async () => {
    writeFileSync(
      join(dir, "mine.yaml"),
      "version: 1\nrules:\n  - id: mine\n    methods: [GET]\n    path: /mine/**\n    require:\n      roles: { anyOf: [reader] }\n",
    );
    const { output } = await sandbox(["--policy", "mine.yaml"], "Ctrl-C stops everything.");
    expect(output).toContain(`(role map: ${join(dir, "mine.yaml")})`);
    expect(output).toContain("written for the demo role map");
  }, 90_000);

  it("stops with the validator's errors when the file is not a valid role map", async () => {
    writeFileSync(join(dir, "bad.yaml"), "version: 1\nrules:\n  - path: /x\n    methods: [FETCH]\n");
    const { output, code } = await sandbox(["--policy", join(dir, "bad.yaml")], "could not be pushed");
    expect(code).toBe(1);
    expect(output).toContain("bad.yaml: not a valid policy");
    expect(output).not.toContain("Ctrl-C stops everything.");
  }, 90_000);
});
