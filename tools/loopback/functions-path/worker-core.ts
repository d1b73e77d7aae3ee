// The Node worker's side of an Azure Functions app, stood in: the worker hands the app a module
// named `@azure/functions-core` whose registerFunction receives each function's metadata and
// handler callback, and whose setProgrammingModel receives @azure/functions' programming model.
// Nothing else of the worker is needed to drive the library as the host does.

import Module from "node:module";

export interface BindingInfo {
  type: string;
  direction?: string;
  route?: string;
  methods?: string[];
  [key: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface Registration {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
}

/** The part of @azure/functions' invocation model the worker calls, in the worker's order. */
export interface InvocationModel {
  getArguments(): Promise<{ context: unknown; inputs: unknown[] }>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<{ returnValue?: unknown }>;
}

export interface ProgrammingModel {
  name: string;
  getInvocationModel(coreContext: unknown): InvocationModel;
  getCapabilities(capabilities: Record<string, string>): Promise<Record<string, string>>;
}

export interface WorkerCore {
  registrations: Registration[];
  programmingModel(): ProgrammingModel;
}

let installed: WorkerCore | undefined;

/**
 * Makes `require("@azure/functions-core")` return the stand-in, before the app (and with it
 * @azure/functions, which requires that module) is loaded. Once per process.
 */
export function installWorkerCore(): WorkerCore {
  if (installed) return installed;
  const registrations: Registration[] = [];
  let model: ProgrammingModel | undefined;
  const standIn = {
    // Versions before 3.8 have no `log`, which the library reads as "no HTTP streaming".
    version: "3.10.1",
    registerFunction(metadata: FunctionMetadata, callback: FunctionCallback) {
      registrations.push({ metadata, callback });
      return { dispose() {} };
    },
    setProgrammingModel(programmingModel: ProgrammingModel) {
      model = programmingModel;
    },
    getProgrammingModel: () => model,
    registerHook: () => ({ dispose() {} }),
    log() {},
  };
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const originalLoad = loader._load;
  loader._load = function load(this: unknown, request: string, ...rest: unknown[]) {
    if (request === "@azure/functions-core") return standIn;
    return originalLoad.call(this, request, ...rest);
  };
  installed = {
    registrations,
    programmingModel() {
      if (!model) throw new Error("the app loaded no programming model (does it import @azure/functions?)");
      return model;
    },
  };
  return installed;
}
