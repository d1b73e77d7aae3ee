// What the numbers were measured on: they are only comparable within one run on one machine.

import { availableParallelism, cpus, loadavg, totalmem } from "node:os";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAtStart: number[];
}

export function describeMachine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? "unknown CPU",
    cores: availableParallelism(),
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAtStart: loadavg(),
  };
}

export function formatLoad(load: readonly number[]): string {
  return load.map((value) => value.toFixed(2)).join(", ");
}
