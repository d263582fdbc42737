import { inflateRawSync } from 'node:zlib';
import { ShipshapeError } from '@shipshape/contracts';

/** A zip/jar that cannot be read. */
export class ZipFormatError extends ShipshapeError {
  constructor(message: string, archive: string) {
    super('DETECTION.BAD_ARCHIVE', `${archive}: ${message}`, { details: { archive } });
  }
}

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/**
 * A minimal reader for the zip central directory (jars, fat jars, nested jars): lists entries and
 * extracts stored (0) or deflated (8) ones. ZIP64 archives (over 65,535 entries or 4 GiB) are refused.
 */
export class ZipReader {
  readonly entries: readonly ZipEntry[];

  constructor(
    private readonly data: Buffer,
    private readonly label: string,
  ) {
    this.entries = this.readCentralDirectory();
  }

  private readCentralDirectory(): ZipEntry[] {
    const d = this.data;
    let eocd = -1;
    for (let i = d.length - 22; i >= Math.max(0, d.length - 22 - 65_535); i--) {
      if (d.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipFormatError('no end of central directory (not a zip)', this.label);
    const count = d.readUInt16LE(eocd + 10);
    const cdOffset = d.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff) throw new ZipFormatError('ZIP64 archives are not supported', this.label);
    const out: ZipEntry[] = [];
    let p = cdOffset;
    for (let n = 0; n < count; n++) {
      if (p + 46 > d.length || d.readUInt32LE(p) !== 0x02014b50) throw new ZipFormatError(`bad central directory entry ${n}`, this.label);
      const nameLen = d.readUInt16LE(p + 28);
      const extraLen = d.readUInt16LE(p + 30);
      const commentLen = d.readUInt16LE(p + 32);
      out.push({
        method: d.readUInt16LE(p + 10),
        compressedSize: d.readUInt32LE(p + 20),
        size: d.readUInt32LE(p + 24),
        localHeaderOffset: d.readUInt32LE(p + 42),
        name: d.toString('utf8', p + 46, p + 46 + nameLen),
      });
      p += 46 + nameLen + extraLen + commentLen;
    }
    return out;
  }

  read(entry: ZipEntry): Buffer {
    const d = this.data;
    const h = entry.localHeaderOffset;
    if (d.readUInt32LE(h) !== 0x04034b50) throw new ZipFormatError(`bad local header for ${entry.name}`, this.label);
    const start = h + 30 + d.readUInt16LE(h + 26) + d.readUInt16LE(h + 28);
    const raw = d.subarray(start, start + entry.compressedSize);
    switch (entry.method) {
      case 0:
        return raw;
      case 8:
        return inflateRawSync(raw);
      default:
        throw new ZipFormatError(`unsupported compression method ${entry.method} for ${entry.name}`, this.label);
    }
  }

  find(name: string): ZipEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }
}
