// Where a JSON text repeats a key within one object. JSON.parse keeps the last of two equal keys
// without a word, so a second `require` or `path` would silently replace the first. This scan
// runs on every stored policy an instance reads (at start first); it replaced running the YAML
// parser over the JSON for the same answer, which cost about 8 ms of a cold start.

export interface DuplicateKey {
  key: string;
  /** 1-based, of the repeated key's opening quote. */
  line: number;
  column: number;
}

/**
 * For text JSON.parse has already accepted: every key that repeats one before it in the same
 * object, compared after unescaping (`"a"` and `"\u0061"` are the same key).
 */
export function jsonDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  // One entry per open object or array: the keys seen so far, or null for an array.
  const open: (Set<string> | null)[] = [];
  // A string is a key when it is the first thing in an object or follows a comma in one.
  let expectKey = false;
  // Raw line breaks only occur between tokens in JSON, never inside a string.
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a /* \n */) {
      line++;
      lineStart = i + 1;
    } else if (c === 0x22 /* " */) {
      const start = i;
      // Bounded by the text's end too, so a text JSON.parse did not see cannot loop forever.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c /* \ */) i++;
      }
      if (i >= text.length) break;
      const keys = open.at(-1);
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) found.push({ key, line, column: start - lineStart + 1 });
        else keys.add(key);
      }
      expectKey = false;
    } else if (c === 0x7b /* { */) {
      open.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      open.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      open.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = open.at(-1) instanceof Set;
    }
  }
  return found;
}
