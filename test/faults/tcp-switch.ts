// A TCP relay on loopback that can turn into a black hole: connections are accepted and what
// they send is read, but nothing comes back, as with a storage account that has stopped
// answering rather than refused. The harder case for timeouts than a closed port.

import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpSwitch {
  port: number;
  /** "pass" relays to the target; "blackhole" answers nothing, on new and open connections alike. */
  setMode(mode: "pass" | "blackhole"): void;
  stop(): Promise<void>;
}

export async function startTcpSwitch(targetPort: number): Promise<TcpSwitch> {
  let mode: "pass" | "blackhole" = "pass";
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (mode === "blackhole") {
      client.resume(); // read and drop
      return;
    }
    const upstream = connect({ host: "127.0.0.1", port: targetPort });
    track(upstream);
    client.on("data", (chunk) => {
      if (mode === "pass") upstream.write(chunk);
    });
    upstream.on("data", (chunk) => {
      if (mode === "pass") client.write(chunk);
    });
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("tcp switch: no TCP address");
  return {
    port: address.port,
    setMode(next) {
      mode = next;
    },
    stop: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
