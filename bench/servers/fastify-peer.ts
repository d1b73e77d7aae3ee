// The stack a user would build instead of tollgate: fastify with @fastify/jwt verifying RS256
// tokens against the issuer's JWKS (get-jwks, by OpenID discovery), the same issuer, audience,
// tenant and role checks, @fastify/rate-limit in memory, and @fastify/reply-from to the backend
// with the caller's identity in headers. Configured as its README examples show; nothing tuned.
//
//   BENCH_BACKEND_URL BENCH_ISSUER BENCH_AUDIENCE BENCH_TENANT BENCH_ROLE BENCH_LIMIT PORT

import fastifyJwt, { type TokenOrHeader } from "@fastify/jwt";
import rateLimit from "@fastify/rate-limit";
import replyFrom from "@fastify/reply-from";
import Fastify, { type FastifyRequest } from "fastify";
import buildGetJwks from "get-jwks";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const backendUrl = required("BENCH_BACKEND_URL");
const issuer = required("BENCH_ISSUER");
const audience = required("BENCH_AUDIENCE");
const tenant = required("BENCH_TENANT");
const role = required("BENCH_ROLE");
const limit = Number(required("BENCH_LIMIT"));

interface Claims {
  tid?: string;
  oid?: string;
  azp?: string;
  roles?: string[];
}

declare module "@fastify/jwt" {
  interface FastifyJWT {
    user: Claims;
  }
}

const getJwks = buildGetJwks({ issuersWhitelist: [issuer], providerDiscovery: true });
const app = Fastify({ logger: false });

await app.register(fastifyJwt, {
  decode: { complete: true },
  secret: (_request: FastifyRequest, token: TokenOrHeader) => {
    const { header, payload } = token as { header: { kid: string; alg: string }; payload: { iss: string } };
    return getJwks.getPublicKey({ kid: header.kid, domain: payload.iss, alg: header.alg });
  },
  verify: { allowedIss: issuer, allowedAud: audience, algorithms: ["RS256"] },
});

app.addHook("onRequest", async (request, reply) => {
  try {
    await request.jwtVerify();
  } catch {
    return reply.code(401).send({ error: "unauthorized" });
  }
  if (request.user.tid !== tenant) return reply.code(401).send({ error: "tenant not allowed" });
});

await app.register(rateLimit, {
  max: limit,
  timeWindow: "1 hour",
  // After authentication, so the budget is the verified caller's, not a header or an address.
  hook: "preHandler",
  keyGenerator: (request) => `${request.user.tid} ${request.user.azp}`,
});

await app.register(replyFrom, { base: backendUrl });

app.get("/orders/*", (request, reply) => {
  if (!request.user.roles?.includes(role)) return reply.code(403).send({ error: "forbidden" });
  return reply.from(request.url, {
    rewriteRequestHeaders: (_req, headers) => {
      const { authorization: _dropped, ...rest } = headers;
      return {
        ...rest,
        "x-user-tenant-id": request.user.tid ?? "",
        "x-user-object-id": request.user.oid ?? "",
        "x-user-client-app-id": request.user.azp ?? "",
        "x-user-roles": (request.user.roles ?? []).join(","),
      };
    },
  });
});

const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" });
console.log(`fastify peer listening on ${address}`);
process.once("SIGTERM", () => void app.close().finally(() => process.exit(0)));
