// Finds keys a JSON parser could read two ways: the same key twice in one object (JSON.parse keeps
// the last, many backends' parsers the first), and, in the message and its direct members, two keys
// differing only in case (ASP.NET Core and other case-insensitive binders may read either). Either
// would let the tool tollgate checked differ from the tool the MCP server runs.

/** The first ambiguous key, or undefined. `text` must already be valid JSON. */
export function ambiguousKey(text: string): string | undefined {
  // One entry per open object (its keys, and their case-folded forms) or array (null).
  const stack: ({ keys: Set<string>; folded: Set<string> } | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const j = closingQuote(text, i);
      const top = stack.at(-1);
      if (expectKey && top) {
        // Decoded, so "\u006eame" and "name" are the same key.
        const raw = text.slice(i + 1, j);
        const key = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        if (stack.length <= 2) {
          const folded = key.toLowerCase();
          if (top.folded.has(folded)) return key;
          top.folded.add(folded);
        }
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */) {
      stack.push({ keys: new Set(), folded: new Set() });
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      expectKey = stack.at(-1) != null;
    }
  }
  return undefined;
}

/** The index of the quote that ends the string opening at `open`: the next one not escaped. */
function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return text.length;
}
