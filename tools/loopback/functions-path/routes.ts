// Which HTTP function a request reaches, as the Functions host routes it: route templates under
// host.json's routePrefix, literal routes before catch-alls, the trigger's methods, and /admin
// and /runtime kept by the host for itself.

import type { BindingInfo, Registration } from "./worker-core.js";

export interface HttpFunction {
  registration: Registration;
  /** The trigger binding's name: the invocation's input data is keyed by it. */
  triggerName: string;
  methods: Set<string>;
  segments: string[];
}

export interface RouteMatch {
  fn: HttpFunction;
  params: Record<string, string>;
}

const HOST_RESERVED = /^\/(admin|runtime)(\/|$)/i;

export function httpFunctions(registrations: readonly Registration[], routePrefix: string): HttpFunction[] {
  const functions: HttpFunction[] = [];
  for (const registration of registrations) {
    const trigger = Object.entries(registration.metadata.bindings).find(
      ([, binding]: [string, BindingInfo]) => binding.type === "httpTrigger",
    );
    if (!trigger) continue;
    const [triggerName, binding] = trigger;
    const route = [routePrefix, binding.route ?? registration.metadata.name]
      .filter((s) => s !== "")
      .join("/");
    functions.push({
      registration,
      triggerName,
      methods: new Set((binding.methods ?? ["GET", "POST"]).map((m) => m.toUpperCase())),
      segments: route.split("/").filter((s) => s !== ""),
    });
  }
  // A catch-all matches last, whatever order the app registered in.
  const catchAll = (fn: HttpFunction) => fn.segments.some((s) => s.startsWith("{*"));
  return functions.sort((a, b) => Number(catchAll(a)) - Number(catchAll(b)));
}

function matchSegments(
  template: readonly string[],
  path: readonly string[],
): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    const part = template[i] as string;
    const rest = /^\{\*(\w+)\}$/.exec(part);
    if (rest?.[1]) {
      params[rest[1]] = path.slice(i).join("/");
      return params;
    }
    const segment = path[i];
    if (segment === undefined) return undefined;
    const param = /^\{(\w+)\}$/.exec(part);
    if (param?.[1]) params[param[1]] = segment;
    else if (part.toLowerCase() !== segment.toLowerCase()) return undefined;
  }
  return template.length === path.length ? params : undefined;
}

export function routeRequest(
  functions: readonly HttpFunction[],
  method: string,
  pathname: string,
): RouteMatch | undefined {
  if (HOST_RESERVED.test(pathname)) return undefined;
  const path = pathname.split("/").filter((s) => s !== "");
  for (const fn of functions) {
    if (!fn.methods.has(method.toUpperCase())) continue;
    const params = matchSegments(fn.segments, path);
    if (params) return { fn, params };
  }
  return undefined;
}
