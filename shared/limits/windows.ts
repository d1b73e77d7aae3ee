// Fixed windows aligned to the epoch, so every instance agrees on where a window starts
// without talking to the others.

export interface Window {
  /** ms since the epoch. */
  start: number;
  end: number;
}

export function windowAt(nowMs: number, windowSeconds: number): Window {
  const length = windowSeconds * 1000;
  const start = Math.floor(nowMs / length) * length;
  return { start, end: start + length };
}

/** Whole seconds until the window resets, never 0 (a client told 0 would retry at once). */
export function secondsUntilReset(window: Window, nowMs: number): number {
  return Math.max(1, Math.ceil((window.end - nowMs) / 1000));
}
