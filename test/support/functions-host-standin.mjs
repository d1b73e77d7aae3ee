// Loads the built app the way the Azure Functions Node worker does: every file the package's
// `main` names, with a stand-in for the worker's `@azure/functions-core` module that records each
// registration. Prints {registrations, capabilities} as JSON on the last line of stdout.
// Core Tools cannot be installed here; this is how the `func ... publish` surface is tested.

import { globSync, readFileSync } from "node:fs";
import Module from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const registrations = [];
let programmingModel;
const standIn = {
  version: "3.10.1",
  registerFunction(metadata) {
    registrations.push(metadata);
    return { dispose() {} };
  },
  setProgrammingModel(model) {
    programmingModel = model;
  },
  getProgrammingModel: () => programmingModel,
  registerHook: () => ({ dispose() {} }),
  log() {},
};

const originalLoad = Module._load;
Module._load = function load(request, ...rest) {
  if (request === "@azure/functions-core") return standIn;
  return originalLoad.call(this, request, ...rest);
};

const root = process.argv[2] ?? process.cwd();
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8"));
const files = globSync(pkg.main, { cwd: root }).sort();
if (files.length === 0)
  throw new Error(`package.json main (${pkg.main}) names no file: run npm run build first`);
for (const file of files) await import(pathToFileURL(resolve(root, file)).href);

// The worker asks the programming model for its capabilities once the app is loaded; with HTTP
// streaming on, this is where it starts the proxy the host streams through.
const capabilities = programmingModel ? await programmingModel.getCapabilities({}) : {};
console.log(JSON.stringify({ files, modelName: programmingModel?.name, registrations, capabilities }));
process.exit(0);
