// Token-path micro-benchmark: verifies per second for tollgate's validator (full Entra rules,
// over a pool of distinct valid tokens), raw node:crypto verify with a pre-imported key (the
// floor any validator stands on), and jose's jwtVerify alone. Run by bench/run.ts, or alone:
//
//   npm run bench -- --only token

import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { importJWK, jwtVerify } from "jose";
import { ManualClock } from "../shared/clock.js";
import { loadSettings } from "../shared/config/settings.js";
import { createTokenValidator } from "../shared/token/create-token-validator.js";
import { EntraIssuer } from "../tools/loopback/entra-issuer.js";

export interface TokenPathResult {
  name: string;
  perSecond: number;
}

async function rate(seconds: number, work: (i: number) => unknown): Promise<number> {
  // Warm up, then count whole iterations in the time allowed.
  for (let i = 0; i < 2000; i++) await work(i);
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const started = process.hrtime.bigint();
  let count = 0;
  while (process.hrtime.bigint() < deadline) {
    for (let j = 0; j < 100; j++) await work(count++);
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

export async function tokenPath(options: { seconds: number; poolSize: number }): Promise<TokenPathResult[]> {
  const issuer = await EntraIssuer.start({ defaultAudience: "api://bench" });
  try {
    const clock = new ManualClock(Date.now());
    const settings = loadSettings({
      TOLLGATE_TENANTS: issuer.defaultTenant,
      TOLLGATE_AUDIENCES: "api://bench",
      TOLLGATE_AUTHORITY: issuer.authority,
      TOLLGATE_STORAGE: "https://unused.table.core.windows.net",
    });
    const { validator } = createTokenValidator(settings, { clock });
    const uncached = createTokenValidator(
      { ...settings, token: { ...settings.token, cacheSize: 0 } },
      { clock },
    ).validator;
    const pool = await Promise.all(
      Array.from({ length: options.poolSize }, () =>
        issuer.mint({ oid: crypto.randomUUID(), roles: ["reader"] }),
      ),
    );
    const jwk = issuer.publicJwk(issuer.activeKid);
    const keyObject = createPublicKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
    const joseKey = await importJWK(jwk, "RS256");
    const parts = pool.map((token) => {
      const [h, p, s] = token.split(".");
      return { data: Buffer.from(`${h}.${p}`), signature: Buffer.from(s ?? "", "base64url") };
    });

    const results: TokenPathResult[] = [];
    results.push({
      name: "node:crypto verify (pre-imported key)",
      perSecond: await rate(options.seconds, (i) => {
        const part = parts[i % parts.length] as (typeof parts)[number];
        if (!cryptoVerify("RSA-SHA256", part.data, keyObject, part.signature))
          throw new Error("bad signature");
      }),
    });
    results.push({
      name: "jose jwtVerify alone",
      perSecond: await rate(options.seconds, (i) =>
        jwtVerify(pool[i % pool.length] as string, joseKey, { algorithms: ["RS256"] }),
      ),
    });
    results.push({
      name: "tollgate validator (token cache on)",
      perSecond: await rate(options.seconds, (i) => validator.validateToken(pool[i % pool.length] as string)),
    });
    results.push({
      name: "tollgate validator (token cache off)",
      perSecond: await rate(options.seconds, (i) => uncached.validateToken(pool[i % pool.length] as string)),
    });
    return results;
  } finally {
    await issuer.stop();
  }
}
