// The scenarios of the scale model: each family at 1, 10, 50, 200 and 1,000 instances (the quick
// run, in npm test, takes 1, 10 and 50 and shorter runs).

import type { Scenario } from "./run-scenario.js";

export const FULL_SIZES = [1, 10, 50, 200, 1000];
export const QUICK_SIZES = [1, 10, 50];

/** A hot global limit: 5,000 per 10 s window (500/s), asked for 750/s by 50 client apps. */
const HOT = { key: "hot", limit: 5000, windowSeconds: 10, callers: 50, demandPerSecond: 750 } as const;

export interface Family {
  name: string;
  title: string;
  sizes?: number[];
  make(instances: number, durationSeconds: number): Scenario;
}

export const FAMILIES: Family[] = [
  {
    name: "hot-strict",
    title: "One hot key, strict, steady arrivals",
    make: (instances, durationSeconds) => ({
      ...HOT,
      name: `hot-strict-${instances}`,
      instances,
      mode: "strict",
      arrivals: "steady",
      durationSeconds,
    }),
  },
  {
    name: "hot-strict-sharded",
    title: "One hot key, strict, split over 8 sub-counters (`shards: 8`), steady arrivals",
    make: (instances, durationSeconds) => ({
      ...HOT,
      name: `hot-strict-sharded-${instances}`,
      instances,
      mode: "strict",
      arrivals: "steady",
      durationSeconds,
      shards: 8,
    }),
  },
  {
    name: "hot-approximate",
    title: "One hot key, approximate, steady arrivals",
    make: (instances, durationSeconds) => ({
      ...HOT,
      name: `hot-approximate-${instances}`,
      instances,
      mode: "approximate",
      arrivals: "steady",
      durationSeconds,
    }),
  },
  {
    name: "hot-strict-burst",
    title: "One hot key, strict, each window's demand in its first 200 ms",
    make: (instances, durationSeconds) => ({
      ...HOT,
      name: `hot-strict-burst-${instances}`,
      instances,
      mode: "strict",
      arrivals: "burst",
      durationSeconds,
    }),
  },
  {
    name: "per-caller-strict",
    title: "Per-caller keys, strict: 500 client apps, 20 per 10 s each, one in ten asking for twice that",
    make: (instances, durationSeconds) => ({
      name: `per-caller-strict-${instances}`,
      instances,
      mode: "strict",
      key: "per-caller",
      limit: 20,
      windowSeconds: 10,
      callers: 500,
      overLimitShare: 0.1,
      arrivals: "steady",
      durationSeconds,
    }),
  },
  {
    name: "hot-strict-kill",
    title: "One hot key, strict, a quarter of the instances killed mid-window",
    make: (instances, durationSeconds) => ({
      ...HOT,
      name: `hot-strict-kill-${instances}`,
      instances,
      mode: "strict",
      arrivals: "steady",
      durationSeconds,
      killShare: instances === 1 ? 0 : 0.25,
    }),
  },
  {
    name: "hot-strict-slow",
    title: "One hot key, strict, storage 20× slower for 5 s",
    make: (instances, durationSeconds) => ({
      ...HOT,
      name: `hot-strict-slow-${instances}`,
      instances,
      mode: "strict",
      arrivals: "steady",
      durationSeconds,
      fault: { kind: "slow", factor: 20, fromSecond: 12, seconds: 5 },
    }),
  },
  {
    name: "hot-strict-refusing",
    title: "One hot key, strict, storage answering 503 for 5 s",
    make: (instances, durationSeconds) => ({
      ...HOT,
      name: `hot-strict-refusing-${instances}`,
      instances,
      mode: "strict",
      arrivals: "steady",
      durationSeconds,
      fault: { kind: "refuse", fromSecond: 12, seconds: 5 },
    }),
  },
];
