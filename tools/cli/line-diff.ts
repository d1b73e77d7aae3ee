// A unified line diff (Myers' algorithm) for `tollgate policy diff`: what a push would change,
// in the form every reviewer already reads.

export type DiffOp = { kind: " " | "-" | "+"; line: string };

/** The shortest edit script from `a` to `b`, as kept, removed and added lines. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffOp[] {
  // Common ends are most of a policy diff; cutting them keeps the search (and its memory) small.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const keep = (lines: readonly string[]): DiffOp[] => lines.map((line) => ({ kind: " ", line }));
  return [
    ...keep(a.slice(0, start)),
    ...myers(a.slice(start, endA), b.slice(start, endB)),
    ...keep(a.slice(endA)),
  ];
}

function myers(a: readonly string[], b: readonly string[]): DiffOp[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }

  // Walk back through the saved frontiers to recover the path.
  const ops: DiffOp[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const frontier = trace[d] as Int32Array;
    const k = x - y;
    const down =
      k === -d || (k !== d && (frontier[offset + k - 1] as number) < (frontier[offset + k + 1] as number));
    const prevK = down ? k + 1 : k - 1;
    const prevX = frontier[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: " ", line: a[x - 1] as string });
      x--;
      y--;
    }
    if (d > 0) {
      if (down) ops.push({ kind: "+", line: b[y - 1] as string });
      else ops.push({ kind: "-", line: a[x - 1] as string });
    }
    x = prevX;
    y = prevY;
  }
  return ops.reverse();
}

/** Unified diff text with `context` lines around each change; empty when nothing differs. */
export function unifiedDiff(
  a: readonly string[],
  b: readonly string[],
  labels: { from: string; to: string },
  context = 3,
): string {
  const ops = diffLines(a, b);
  const changed = ops.flatMap((op, index) => (op.kind === " " ? [] : [index]));
  if (changed.length === 0) return "";

  // Group changes whose context would touch into one hunk.
  const hunks: { start: number; end: number }[] = [];
  for (const index of changed) {
    const last = hunks[hunks.length - 1];
    if (last && index - last.end <= 2 * context + 1) last.end = index;
    else hunks.push({ start: index, end: index });
  }

  // Line numbers (1-based) in a and b before each op.
  const lineA: number[] = [];
  const lineB: number[] = [];
  let la = 1;
  let lb = 1;
  for (const op of ops) {
    lineA.push(la);
    lineB.push(lb);
    if (op.kind !== "+") la++;
    if (op.kind !== "-") lb++;
  }

  const out = [`--- ${labels.from}`, `+++ ${labels.to}`];
  for (const hunk of hunks) {
    const from = Math.max(0, hunk.start - context);
    const to = Math.min(ops.length - 1, hunk.end + context);
    const slice = ops.slice(from, to + 1);
    const countA = slice.filter((op) => op.kind !== "+").length;
    const countB = slice.filter((op) => op.kind !== "-").length;
    // A side with no lines is named by the line before it, as diff(1) does.
    const startA = countA === 0 ? (lineA[from] as number) - 1 : (lineA[from] as number);
    const startB = countB === 0 ? (lineB[from] as number) - 1 : (lineB[from] as number);
    out.push(`@@ -${startA},${countA} +${startB},${countB} @@`);
    for (const op of slice) out.push(`${op.kind}${op.line}`);
  }
  return `${out.join("\n")}\n`;
}
