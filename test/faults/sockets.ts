// A census of a process's open TCP sockets, from Linux /proc: which of its file descriptors are
// sockets, and for the TCP ones, their ports and state. A socket the gateway forgot shows here.

import { readdirSync, readFileSync, readlinkSync } from "node:fs";

export interface TcpSocket {
  localPort: number;
  remotePort: number;
  /** The kernel's TCP state, e.g. ESTABLISHED, CLOSE_WAIT, LISTEN. */
  state: string;
}

export interface SocketCensus {
  /** Every socket file descriptor (TCP, UDP, Unix). */
  total: number;
  tcp: TcpSocket[];
}

const STATES: Record<string, string> = {
  "01": "ESTABLISHED",
  "02": "SYN_SENT",
  "03": "SYN_RECV",
  "04": "FIN_WAIT1",
  "05": "FIN_WAIT2",
  "06": "TIME_WAIT",
  "07": "CLOSE",
  "08": "CLOSE_WAIT",
  "09": "LAST_ACK",
  "0A": "LISTEN",
  "0B": "CLOSING",
};

export function socketCensus(pid: number): SocketCensus {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed while we looked
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const tcp: TcpSocket[] = [];
  for (const table of ["tcp", "tcp6"]) {
    let text = "";
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [, local, remote, state] = fields;
      const inode = fields[9];
      if (local === undefined || remote === undefined || inode === undefined || !inodes.has(inode)) continue;
      tcp.push({
        localPort: Number.parseInt(local.split(":").at(-1) ?? "0", 16),
        remotePort: Number.parseInt(remote.split(":").at(-1) ?? "0", 16),
        state: STATES[state ?? ""] ?? `state ${state}`,
      });
    }
  }
  return { total: inodes.size, tcp };
}

/** The gateway's connections to `port` (its backend, say) and from callers on its own `listenPort`. */
export function connectionsTo(census: SocketCensus, port: number): TcpSocket[] {
  return census.tcp.filter((socket) => socket.remotePort === port);
}

export function callerConnections(census: SocketCensus, listenPort: number): TcpSocket[] {
  return census.tcp.filter((socket) => socket.localPort === listenPort && socket.state !== "LISTEN");
}
