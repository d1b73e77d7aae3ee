// The message for a key the policy schema does not know. A typo such as `role:` must be an
// error that says what was meant, never a silently ignored (and so open) requirement.

export function unknownKeyMessage(keys: readonly string[], known: readonly string[]): string {
  return keys
    .map((key) => {
      const guess = closest(key, known);
      const hint = guess ? `did you mean '${guess}'?` : `expected one of: ${known.join(", ")}`;
      return `unknown key '${key}' (${hint})`;
    })
    .join("; ");
}

function closest(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const sameLetters = known.find((k) => k.toLowerCase() === lower);
  if (sameLetters) return sameLetters;
  // Two edits catch a dropped or doubled letter and most transpositions without guessing wildly.
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance))
      best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitute = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, substitute));
    }
    previous = row;
  }
  return previous[b.length] as number;
}
