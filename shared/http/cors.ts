// CORS for browser apps, around the gateway: a preflight whose origin, method and headers the
// policy's `cors` allows is answered here, before authentication (a browser never sends a token
// with one); every other response to an allowed origin carries Access-Control-Allow-Origin, so
// the app can read refusals (401, 403, 429) as well as answers.

import type { CorsPolicy } from "../policy/cors-schema.js";
import type { IncomingRequest, RequestContext, RequestHandler } from "./request-handler.js";

/** What a browser app needs to read from a refusal: the challenge, limits, when to retry. */
const EXPOSED = "www-authenticate, ratelimit, ratelimit-policy, retry-after";

export function withCors(inner: RequestHandler, cors: () => CorsPolicy | undefined): RequestHandler {
  return async (request: IncomingRequest, context: RequestContext): Promise<Response> => {
    const origin = request.headers.get("origin");
    const policy = origin === null ? undefined : cors();
    const allowed = policy !== undefined && origin !== null && policy.origins.includes(origin.toLowerCase());
    const requestedMethod = request.headers.get("access-control-request-method");
    const isPreflight = request.method === "OPTIONS" && requestedMethod !== null;
    if (isPreflight && allowed && policy) {
      if (preflightAllowed(policy, requestedMethod, request.headers.get("access-control-request-headers"))) {
        return new Response(null, {
          status: 204,
          headers: {
            "access-control-allow-origin": origin as string,
            "access-control-allow-methods": policy.methods.join(", "),
            "access-control-allow-headers": policy.headers.join(", "),
            "access-control-max-age": String(policy.maxAge),
            vary: "Origin",
          },
        });
      }
      // Not allowed: no CORS headers, so the browser stops; the request is not authorised here.
    }
    const response = await inner(request, context);
    if (!allowed || isPreflight) return response;
    return withHeaders(response, {
      "access-control-allow-origin": origin as string,
      "access-control-expose-headers": EXPOSED,
      vary: "Origin",
    });
  };
}

function preflightAllowed(policy: CorsPolicy, method: string, headers: string | null): boolean {
  if (!policy.methods.includes(method)) return false;
  const wanted = (headers ?? "")
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  return wanted.every((name) => policy.headers.includes(name));
}

function withHeaders(response: Response, extra: Readonly<Record<string, string>>): Response {
  try {
    for (const [name, value] of Object.entries(extra)) {
      if (name === "vary") response.headers.append(name, value);
      else response.headers.set(name, value);
    }
    return response;
  } catch {
    // Immutable headers (a Response from fetch): copy instead.
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
