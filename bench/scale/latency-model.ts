// Storage latency for the scale model: a log-normal per kind of operation, fixed by its median and
// 99th percentile. Table Storage publishes no latency bound ("fast, but no upper bounds on
// latency"), so the default profile is stated as an assumption in SCALE.md, beside what Azurite
// measures on this machine (bench/scale/calibrate.ts).

export type OperationKind = "read" | "write";

export interface LatencyProfile {
  name: string;
  /** Milliseconds. */
  readP50: number;
  readP99: number;
  writeP50: number;
  writeP99: number;
  /** Where the numbers come from, for the report. */
  source: string;
}

/**
 * In-region Azure Table Storage as this model assumes it: a point read ~5 ms at the median,
 * a conditional write ~8 ms, with a long tail (p99 five times the median). Microsoft's only
 * published figures are the Cosmos DB Table API's p99 of <10 ms reads and <15 ms writes, which it
 * presents as the faster product; standard Table Storage is assumed slower in the tail.
 */
export const AZURE_PROFILE: LatencyProfile = {
  name: "azure (assumed)",
  readP50: 5,
  readP99: 25,
  writeP50: 8,
  writeP99: 40,
  source:
    "assumed for in-region Table Storage: no published bound; Cosmos DB for Table publishes p99 <10 ms reads, <15 ms writes",
};

const Z99 = 2.3263;

export class LatencyModel {
  readonly #random: () => number;
  readonly #read: { mu: number; sigma: number };
  readonly #write: { mu: number; sigma: number };
  #spare: number | undefined;

  constructor(
    readonly profile: LatencyProfile,
    random: () => number,
  ) {
    this.#random = random;
    this.#read = { mu: Math.log(profile.readP50), sigma: Math.log(profile.readP99 / profile.readP50) / Z99 };
    this.#write = {
      mu: Math.log(profile.writeP50),
      sigma: Math.log(profile.writeP99 / profile.writeP50) / Z99,
    };
  }

  /** Milliseconds for one round trip. */
  sample(kind: OperationKind): number {
    const { mu, sigma } = kind === "read" ? this.#read : this.#write;
    return Math.exp(mu + sigma * this.#normal());
  }

  #normal(): number {
    if (this.#spare !== undefined) {
      const spare = this.#spare;
      this.#spare = undefined;
      return spare;
    }
    const u = Math.max(this.#random(), 1e-12);
    const v = this.#random();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}
