// The scale plot: per scenario family, a figure against the number of instances (log axis),
// one panel per figure, with the published target drawn where there is one. Hand-written SVG,
// like bench/latency.svg, so the report needs no plotting dependency.

import type { Summary } from "./summarize.js";

export interface ScalePanel {
  title: string;
  value: (summary: Summary) => number;
  /** A horizontal line, e.g. the partition target. */
  target?: { value: number; label: string };
  percent?: boolean;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"];
const WIDTH = 760;
const PANEL_HEIGHT = 280;
const MARGIN = { left: 70, right: 200, top: 34, bottom: 40 };

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function panel(spec: ScalePanel, summaries: Summary[], top: number): string {
  const families = [...new Set(summaries.map((s) => s.family))];
  const sizes = [...new Set(summaries.map((s) => s.instances))].sort((a, b) => a - b);
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = top + MARGIN.top;
  const maxSize = Math.max(...sizes, 10);
  const xOf = (n: number) => x0 + (Math.log10(n) / Math.log10(maxSize)) * plotW;
  const values = summaries.map(spec.value).concat(spec.target ? [spec.target.value] : []);
  const yMax = Math.max(spec.percent ? 0.1 : 1, ...values) * 1.1;
  const yOf = (v: number) => y0 + plotH - (v / yMax) * plotH;
  const out: string[] = [
    `<text x="${x0}" y="${top + 20}" font-size="14" font-weight="bold">${xml(spec.title)}</text>`,
    `<rect x="${x0}" y="${y0}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`,
  ];
  for (const n of sizes) {
    out.push(
      `<line x1="${xOf(n)}" y1="${y0}" x2="${xOf(n)}" y2="${y0 + plotH}" stroke="#eee"/>`,
      `<text x="${xOf(n)}" y="${y0 + plotH + 16}" font-size="11" text-anchor="middle">${n}</text>`,
    );
  }
  out.push(
    `<text x="${x0 + plotW / 2}" y="${y0 + plotH + 32}" font-size="11" text-anchor="middle">instances</text>`,
  );
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    const label = spec.percent ? `${Math.round(v * 100)}%` : String(Math.round(v));
    out.push(`<text x="${x0 - 6}" y="${yOf(v) + 4}" font-size="11" text-anchor="end">${label}</text>`);
  }
  if (spec.target) {
    const y = yOf(spec.target.value);
    out.push(
      `<line x1="${x0}" y1="${y}" x2="${x0 + plotW}" y2="${y}" stroke="#000" stroke-dasharray="6 4"/>`,
      `<text x="${x0 + 4}" y="${y - 4}" font-size="11">${xml(spec.target.label)}</text>`,
    );
  }
  families.forEach((family, i) => {
    const color = COLORS[i % COLORS.length] as string;
    const points = summaries
      .filter((s) => s.family === family)
      .sort((a, b) => a.instances - b.instances)
      .map((s) => `${xOf(s.instances).toFixed(1)},${yOf(spec.value(s)).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(" ")}"/>`);
    const ly = y0 + 12 + i * 16;
    out.push(
      `<line x1="${x0 + plotW + 10}" y1="${ly}" x2="${x0 + plotW + 28}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${x0 + plotW + 32}" y="${ly + 4}" font-size="11">${xml(family)}</text>`,
    );
  });
  return out.join("\n");
}

export function scaleSvg(panels: ScalePanel[], summaries: Summary[]): string {
  const height = panels.length * PANEL_HEIGHT;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<title>${xml(panels.map((p) => p.title).join("; "))}: against the number of instances</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...panels.map((spec, i) => panel(spec, summaries, i * PANEL_HEIGHT)),
    "</svg>",
    "",
  ].join("\n");
}
