// A CPU profile of a running server process over the inspector protocol, started and stopped
// around the load only, so the process's start (module loading, transpiling) stays out of it.
// The process must have been started with `--inspect=127.0.0.1:0`.

import type { ChildServer } from "./child-server.js";

export interface InspectorSession {
  call<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  close(): void;
}

/** Connects to the inspector the process announced on stderr ("Debugger listening on ws://…"). */
export async function connectInspector(server: ChildServer): Promise<InspectorSession> {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(server.output())?.[1];
  if (url === undefined)
    throw new Error(`${server.name} has no inspector (start it with --inspect):\n${server.output()}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("error", () => reject(new Error(`cannot reach the inspector at ${url}`)), {
      once: true,
    });
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  socket.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      error?: { message: string };
    };
    if (message.id === undefined) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error.message));
    else waiter?.resolve(message.result);
  });
  return {
    call<T>(method: string, params: Record<string, unknown> = {}) {
      const id = nextId++;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      });
    },
    close: () => socket.close(),
  };
}

/** Profiles the process while `load` runs; returns the profile (.cpuprofile JSON) and load's result. */
export async function profileDuring<T>(
  server: ChildServer,
  load: () => Promise<T>,
  samplingIntervalUs = 200,
): Promise<{ profile: unknown; result: T }> {
  const session = await connectInspector(server);
  try {
    await session.call("Profiler.enable");
    await session.call("Profiler.setSamplingInterval", { interval: samplingIntervalUs });
    await session.call("Profiler.start");
    const result = await load();
    const { profile } = await session.call<{ profile: unknown }>("Profiler.stop");
    await session.call("Profiler.disable");
    return { profile, result };
  } finally {
    session.close();
  }
}
