#!/usr/bin/env node
// The `tollgate` command (package.json "bin"): a thin adapter from the process to runCli.

import { runCli } from "./run-cli.js";

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
});
