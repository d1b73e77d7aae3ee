// One JSON spelling per policy, whatever file it came from (YAML or JSON, any key order or
// layout): what is stored, hashed and diffed. Keys follow the document's reading order.

const KEY_ORDER = [
  "version",
  "backends",
  "rateLimits",
  "rules",
  "defaultRule",
  "cors",
  "id",
  "methods",
  "path",
  "host",
  "require",
  "backend",
  "rateLimit",
  "reportOnly",
  "forwardAuthorization",
  "url",
  "anyOf",
  "allOf",
];

function rank(key: string): number {
  const index = KEY_ORDER.indexOf(key);
  return index === -1 ? KEY_ORDER.length : index;
}

/** Throws for what JSON cannot carry faithfully (NaN, Infinity), rather than storing null. */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(ordered(value, "(document)"), null, indent);
}

function ordered(value: unknown, where: string): unknown {
  if (Array.isArray(value)) return value.map((item, index) => ordered(item, `${where}[${index}]`));
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new TypeError(`${where}: ${value} cannot be stored as JSON`);
  }
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([key, item]) => [key, ordered(item, `${where}.${key}`)]));
}
