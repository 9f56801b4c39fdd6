/**
 * A deterministic zip writer for the functions' bundles: the same files always
 * give the same bytes, so an asset's hash changes only when its code does.
 * Build-time only; no function imports it.
 */
import * as zlib from 'zlib';

/** 1980-01-01 00:00:00, the first moment a DOS date can hold: every entry's modification time. */
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** "Made by" Unix (3), spec version 2.0 (20): readers then take the high 16 bits of the external attributes as a Unix mode. */
const MADE_BY = (3 << 8) | 20;
/** Version needed to extract: 2.0, DEFLATE. */
const NEEDED = 20;
const DEFLATE = 8;
/** A regular file, rw-r--r--. */
const EXTERNAL_ATTRIBUTES = (0o100644 << 16) >>> 0;
/** General purpose flag bit 11: the name is UTF-8. Set only for names that are not ASCII. */
const UTF8_NAME = 1 << 11;

/**
 * A zip archive of `entries`, in their order, after the PKWARE APPNOTE: per entry a local file
 * header and its DEFLATE data, then the central directory and its end record. Nothing in it
 * depends on when or where it is written: a fixed time ({@link DOS_TIME}), fixed attributes
 * (regular file 0644), no extra fields, no comments, no data descriptors. No Zip64: an entry or
 * archive of 4 GiB or more, or 65,535 entries or more, is refused.
 */
export function zip(entries: readonly { name: string; data: Uint8Array }[]): Buffer {
  if (entries.length >= 0xffff) throw new Error(`zip: ${entries.length} entries need Zip64`);
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const fileName = Buffer.from(name, 'utf8');
    const flags = /^[\x20-\x7e]*$/.test(name) ? 0 : UTF8_NAME;
    const compressed = zlib.deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    if (data.length >= 0xffffffff || compressed.length >= 0xffffffff || offset >= 0xffffffff) throw new Error(`zip: ${name} needs Zip64`);

    // From "version needed" to "extra field length" the local header and the central one agree (APPNOTE 4.3.7, 4.3.12).
    const common = Buffer.alloc(26);
    common.writeUInt16LE(NEEDED, 0);
    common.writeUInt16LE(flags, 2);
    common.writeUInt16LE(DEFLATE, 4);
    common.writeUInt16LE(DOS_TIME, 6);
    common.writeUInt16LE(DOS_DATE, 8);
    common.writeUInt32LE(crc, 10);
    common.writeUInt32LE(compressed.length, 14);
    common.writeUInt32LE(data.length, 18);
    common.writeUInt16LE(fileName.length, 22);
    common.writeUInt16LE(0, 24); // extra field length

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    common.copy(local, 4);

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(MADE_BY, 4);
    common.copy(header, 6);
    header.writeUInt16LE(0, 32); // comment length
    header.writeUInt16LE(0, 34); // disk number start
    header.writeUInt16LE(0, 36); // internal attributes
    header.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
    header.writeUInt32LE(offset, 42);

    parts.push(local, fileName, compressed);
    central.push(header, fileName);
    offset += local.length + fileName.length + compressed.length;
  }
  const directory = Buffer.concat(central);
  if (offset + directory.length >= 0xffffffff) throw new Error('zip: the archive needs Zip64');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4); // this disk
  end.writeUInt16LE(0, 6); // disk holding the central directory
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20); // comment length
  return Buffer.concat([...parts, directory, end]);
}

/** CRC-32 (ISO 3309, as zip uses): `zlib.crc32` where Node has it (20.15 and later), a table otherwise (package.json allows Node 20.0). */
const crc32: (data: Uint8Array) => number = typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (data) => zlib.crc32(data) : tableCrc32;

let CRC_TABLE: Uint32Array | undefined;
/** The table-driven CRC-32, exported so tests can hold it to `zlib.crc32`. */
export function tableCrc32(data: Uint8Array): number {
  if (CRC_TABLE === undefined) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
