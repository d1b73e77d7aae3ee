// A reproducible zip archive: entries in name order, one fixed timestamp, deflate, no extra
// fields. The same tree always gives the same bytes, so the release checksum can be recomputed by
// anyone who builds the same commit. Zip64 is not needed (and refused): the app is far below 4 GB
// and 65,535 entries.

import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipSource {
  /** The `/`-separated name inside the archive. */
  name: string;
  /** The file on disk whose bytes go in. */
  file: string;
}

// 1980-01-01 00:00, the earliest DOS date: the archive says nothing about when it was built.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const REGULAR_FILE_0644 = 0o100644;

export function writeZip(target: string, sources: readonly ZipSource[]): { entries: number; bytes: number } {
  const sorted = [...sources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (sorted.length > 0xffff) throw new Error(`${sorted.length} files: more than a zip without Zip64 holds`);
  const fd = openSync(target, "w");
  const central: Buffer[] = [];
  let offset = 0;
  const write = (buffer: Buffer) => {
    writeSync(fd, buffer);
    offset += buffer.length;
  };
  try {
    for (const source of sorted) {
      const name = Buffer.from(source.name, "utf8");
      const data = readFileSync(source.file);
      const crc = crc32(data);
      const deflated = deflateRawSync(data);
      // Small files can grow when deflated: store those as they are.
      const stored = deflated.length >= data.length;
      const body = stored ? data : deflated;
      const method = stored ? 0 : 8;
      if (offset > 0xffffffff || body.length > 0xffffffff)
        throw new Error("archive past 4 GB: Zip64 is not written");

      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4); // version needed: 2.0
      local.writeUInt16LE(0x0800, 6); // names are UTF-8
      local.writeUInt16LE(method, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(data.length, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);

      const header = Buffer.alloc(46);
      header.writeUInt32LE(0x02014b50, 0);
      header.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 (so the mode below is read)
      header.writeUInt16LE(20, 6);
      header.writeUInt16LE(0x0800, 8);
      header.writeUInt16LE(method, 10);
      header.writeUInt16LE(DOS_TIME, 12);
      header.writeUInt16LE(DOS_DATE, 14);
      header.writeUInt32LE(crc, 16);
      header.writeUInt32LE(body.length, 20);
      header.writeUInt32LE(data.length, 24);
      header.writeUInt16LE(name.length, 28);
      header.writeUInt16LE(0, 30); // extra
      header.writeUInt16LE(0, 32); // comment
      header.writeUInt16LE(0, 34); // disk
      header.writeUInt16LE(0, 36); // internal attributes
      header.writeUInt32LE((REGULAR_FILE_0644 << 16) >>> 0, 38);
      header.writeUInt32LE(offset, 42);
      central.push(header, name);

      write(local);
      write(name);
      write(body);
    }
    const directoryStart = offset;
    for (const part of central) write(part);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(sorted.length, 8);
    end.writeUInt16LE(sorted.length, 10);
    end.writeUInt32LE(offset - directoryStart, 12);
    end.writeUInt32LE(directoryStart, 16);
    write(end);
  } finally {
    closeSync(fd);
  }
  return { entries: sorted.length, bytes: offset };
}
