// The latency plot: latency against percentile for each target, one panel per request rate, in
// the usual HdrHistogram layout (the x axis stretches the tail: 90, 99, 99.9 equally spaced).
// Hand-written SVG, so the report needs no plotting dependency.

import { percentile } from "./open-loop.js";

export interface LatencySeries {
  target: string;
  latenciesUs: Float64Array;
}

export interface LatencyPanel {
  title: string;
  series: LatencySeries[];
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
const WIDTH = 760;
const PANEL_HEIGHT = 300;
const MARGIN = { left: 64, right: 180, top: 36, bottom: 44 };
/** Up to 99.9: a quick run has too few samples for anything finer. */
const MAX_NINES = 3;

const xml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function panel(spec: LatencyPanel, top: number): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = top + MARGIN.top;
  const steps = 60;
  const points = Array.from({ length: steps + 1 }, (_, k) => (k / steps) * MAX_NINES);
  const at = (nines: number) => 100 * (1 - 10 ** -nines);
  // Log scale: the body (tenths of a millisecond) and the tail (tens or hundreds) both show.
  const values = spec.series.flatMap((s) => [
    percentile(s.latenciesUs, 0),
    percentile(s.latenciesUs, at(MAX_NINES)),
  ]);
  const finite = values.filter((v) => Number.isFinite(v) && v > 0).map((us) => us / 1000);
  const lo = Math.floor(Math.log10(Math.max(Math.min(...finite, 1), 0.001)));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...finite, 0.01))));
  const sx = (nines: number) => x0 + (nines / MAX_NINES) * plotW;
  const sy = (ms: number) => {
    const clamped = Math.min(Math.max(Math.log10(Math.max(ms, 10 ** lo)), lo), hi);
    return y0 + plotH - ((clamped - lo) / (hi - lo)) * plotH;
  };

  const parts: string[] = [];
  parts.push(
    `<text x="${x0}" y="${top + 22}" font-size="15" font-weight="bold">${xml(spec.title)}</text>`,
    `<rect x="${x0}" y="${y0}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  );
  for (let power = lo; power <= hi; power++) {
    for (const step of [1, 2, 5]) {
      const ms = step * 10 ** power;
      if (Math.log10(ms) > hi + 1e-9) break;
      const y = sy(ms);
      parts.push(
        `<line x1="${x0}" y1="${y.toFixed(1)}" x2="${x0 + plotW}" y2="${y.toFixed(1)}" stroke="${step === 1 ? "#ddd" : "#f2f2f2"}"/>`,
      );
      if (step === 1 || hi - lo <= 2) {
        parts.push(
          `<text x="${x0 - 6}" y="${(y + 4).toFixed(1)}" font-size="11" text-anchor="end">${Number(ms.toPrecision(2))}</text>`,
        );
      }
    }
  }
  for (let nines = 0; nines <= MAX_NINES; nines++) {
    const x = sx(nines);
    const label = nines === 0 ? "0" : `${at(nines).toFixed(Math.max(0, nines - 2))}`;
    parts.push(
      `<line x1="${x.toFixed(1)}" y1="${y0}" x2="${x.toFixed(1)}" y2="${y0 + plotH}" stroke="#eee"/>`,
      `<text x="${x.toFixed(1)}" y="${y0 + plotH + 16}" font-size="11" text-anchor="middle">${label}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + plotW / 2}" y="${y0 + plotH + 34}" font-size="12" text-anchor="middle">percentile</text>`,
    `<text x="16" y="${y0 + plotH / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${y0 + plotH / 2})">latency (ms, log scale)</text>`,
  );
  spec.series.forEach((series, index) => {
    const color = COLORS[index % COLORS.length];
    const path = points
      .map((nines, k) => {
        const ms = percentile(series.latenciesUs, at(nines)) / 1000;
        return `${k === 0 ? "M" : "L"}${sx(nines).toFixed(1)},${sy(Number.isFinite(ms) ? ms : 0).toFixed(1)}`;
      })
      .join(" ");
    const legendY = y0 + 14 + index * 18;
    parts.push(
      `<path d="${path}" fill="none" stroke="${color}" stroke-width="2" data-target="${xml(series.target)}"/>`,
      `<line x1="${x0 + plotW + 12}" y1="${legendY - 4}" x2="${x0 + plotW + 32}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${x0 + plotW + 38}" y="${legendY}" font-size="12">${xml(series.target)}</text>`,
    );
  });
  return parts.join("\n");
}

export function latencySvg(panels: readonly LatencyPanel[]): string {
  const height = PANEL_HEIGHT * panels.length;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<title>${xml(panels.map((p) => p.title).join("; ") || "Latency against percentile")}: latency against percentile, per target</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    ...panels.map((spec, index) => panel(spec, index * PANEL_HEIGHT)),
    "</svg>",
    "",
  ].join("\n");
}
