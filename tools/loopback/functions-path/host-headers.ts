// Request headers as the Functions host hands them to the worker: the invocation's trigger
// metadata carries `Headers` as one JSON object, built by the host's HTTP extension as
// `request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString())` over ASP.NET Core's
// case-insensitive header dictionary. So a repeated header arrives once, its values joined by a
// comma ("Bearer a,Bearer b"), under the first spelling of its name.

/** Node's rawHeaders (name, value, name, value, …) folded the way the host folds them. */
export function hostHeaders(raw: readonly string[]): Record<string, string> {
  const byLowerName = new Map<string, { name: string; values: string[] }>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    const entry = byLowerName.get(name.toLowerCase());
    if (entry) entry.values.push(value);
    else byLowerName.set(name.toLowerCase(), { name, values: [value] });
  }
  const headers: Record<string, string> = {};
  for (const { name, values } of byLowerName.values()) headers[name] = values.join(",");
  return headers;
}
