// The cost of shadow evaluation on the request path: the role-map step alone (as gateway.ts runs
// it: `authorize`), then with a shadow candidate beside it that agrees, then with one that
// disagrees on every request (counted in memory, one event to telemetry; the counter's write
// is once a minute, so none falls inside a run). Run by bench/run.ts, or alone:
//
//   npm run bench -- --only shadow

import { ManualClock } from "../shared/clock.js";
import { authorize } from "../shared/policy/authorize.js";
import { parsePolicy } from "../shared/policy/parse-policy.js";
import type { Policy } from "../shared/policy/policy-schema.js";
import { DifferenceCounter } from "../shared/shadow/difference-counter.js";
import { createShadowEvaluator } from "../shared/shadow/shadow-evaluator.js";
import { telemetryOff } from "../shared/telemetry/telemetry.js";
import { principal } from "../tools/loopback/principal.js";

export interface ShadowPathResult {
  name: string;
  perSecond: number;
}

/** The demo's shape, with enough rules in front that matching does real work. */
function policy(ordersRole: string): Policy {
  const filler = Array.from({ length: 20 }, (_, i) => ({
    id: `area-${i}`,
    methods: ["GET"],
    path: `/area-${i}/{id}/**`,
    require: { roles: { anyOf: ["admin"] } },
  }));
  const parsed = parsePolicy(
    JSON.stringify({
      version: 1,
      rules: [
        ...filler,
        {
          id: "orders-read",
          methods: ["GET"],
          path: "/orders/**",
          require: { roles: { anyOf: [ordersRole, "admin"] } },
        },
      ],
    }),
    "json",
  );
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.policy;
}

const caller = principal({ scopes: ["access_as_user"], roles: ["reader"] });

/**
 * Decisions per second for each variant, measured in interleaved rounds (A, B, C, A, B, C, ...)
 * so that a busy machine slows every variant alike and the ratios stay meaningful.
 */
function rates(seconds: number, variants: ReadonlyArray<(i: number) => void>, rounds = 20): number[] {
  for (const work of variants) for (let i = 0; i < 20_000; i++) work(i);
  const counts = variants.map(() => 0);
  const nanos = variants.map(() => 0);
  const slice = BigInt(Math.round((seconds / rounds) * 1e9));
  for (let round = 0; round < rounds; round++) {
    variants.forEach((work, v) => {
      const started = process.hrtime.bigint();
      const deadline = started + slice;
      let count = 0;
      while (process.hrtime.bigint() < deadline) for (let j = 0; j < 500; j++) work(count++);
      counts[v] = (counts[v] as number) + count;
      nanos[v] = (nanos[v] as number) + Number(process.hrtime.bigint() - started);
    });
  }
  return counts.map((count, v) => count / ((nanos[v] as number) / 1e9));
}

export function shadowPath(options: { seconds: number }): ShadowPathResult[] {
  const live = policy("reader");
  const requests = Array.from({ length: 1000 }, (_, i) => ({
    method: "GET",
    path: `/orders/${i}`,
    host: "api.example",
  }));
  const clock = new ManualClock(Date.now());
  const evaluator = (candidate: Policy) =>
    createShadowEvaluator({
      candidate: () => ({ policy: candidate, versionId: "bench" }),
      // Never written during the run: the clock stands still, so the minute never passes.
      counter: new DifferenceCounter({ client: undefined as never, clock, storageTimeoutMs: 1000 }),
      events: telemetryOff,
    });
  const agreeing = evaluator(policy("reader"));
  const differing = evaluator(policy("auditor"));
  const step = (shadow?: ReturnType<typeof evaluator>) => (i: number) => {
    const request = requests[i % requests.length] as (typeof requests)[number];
    const decision = authorize(live, request, caller);
    shadow?.(request, caller, decision);
  };
  const names = [
    "role map alone (authorize)",
    "with a shadow candidate that agrees",
    "with a shadow candidate that differs on every request",
  ];
  const measured = rates(options.seconds, [step(), step(agreeing), step(differing)]);
  return names.map((name, i) => ({ name, perSecond: measured[i] as number }));
}
