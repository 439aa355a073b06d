// Reading a zip (an XLSX is one) without trusting it: the central directory is read first and the
// declared sizes checked against the limits before anything is inflated; each entry is then
// inflated with zlib's maxOutputLength, so an entry that lies about its size stops at the limit
// instead of filling memory (a "zip bomb"). Pure: bytes in, entries or a reason out.
import zlib from 'node:zlib';

export interface ZipLimits {
  /** Sum of the uncompressed sizes of the entries read. */
  maxUnzippedBytes: number;
  maxEntries: number;
}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

export type ZipFailure = { code: 'too_large' | 'parse'; message: string };

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** True when the bytes start like a zip archive ("PK\3\4"). */
export function looksLikeZip(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.readUInt32LE(0) === LOCAL;
}

/** The central directory's entries, with the declared sizes checked against the limits. */
export function listZip(bytes: Buffer, limits: ZipLimits): ZipEntry[] | ZipFailure {
  // The end-of-central-directory record is in the last 22 + 65,535 (comment) bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65_535); i--) {
    if (bytes.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return { code: 'parse', message: 'the file is not a complete zip archive (no central directory: truncated or damaged)' };
  const count = bytes.readUInt16LE(eocd + 10);
  const directorySize = bytes.readUInt32LE(eocd + 12);
  const directoryOffset = bytes.readUInt32LE(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) return { code: 'too_large', message: 'the zip archive uses ZIP64 (over 65,535 entries or 4 GB): not read' };
  if (count > limits.maxEntries) return { code: 'too_large', message: `the zip archive has ${count} entries; at most ${limits.maxEntries} are read` };
  if (directoryOffset + directorySize > eocd) return { code: 'parse', message: 'the zip archive is damaged (its directory points outside the file)' };
  const entries: ZipEntry[] = [];
  let total = 0;
  let at = directoryOffset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== CENTRAL) return { code: 'parse', message: `the zip archive is damaged (entry ${n + 1} of its directory is unreadable)` };
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const compressedSize = bytes.readUInt32LE(at + 20);
    const size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    const localHeaderOffset = bytes.readUInt32LE(at + 42);
    const name = bytes.toString('utf8', at + 46, at + 46 + nameLength);
    if (flags & 0x1) return { code: 'parse', message: `the zip entry "${name.slice(0, 80)}" is encrypted (a password-protected file)` };
    if (size === 0xffffffff || compressedSize === 0xffffffff) return { code: 'too_large', message: `the zip entry "${name.slice(0, 80)}" is over 4 GB (ZIP64)` };
    total += size;
    if (total > limits.maxUnzippedBytes) {
      return { code: 'too_large', message: `the zip archive declares ${formatSize(total)} or more once unpacked; at most ${formatSize(limits.maxUnzippedBytes)} is read (a zip bomb, or a workbook too large)` };
    }
    entries.push({ name, method, compressedSize, size, localHeaderOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * The uncompressed bytes of one entry, never more than its declared size: an entry whose data
 * inflates past what the directory said is refused as soon as it does.
 */
export function readZipEntry(bytes: Buffer, entry: ZipEntry): Buffer | ZipFailure {
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL) return { code: 'parse', message: `the zip entry "${entry.name.slice(0, 80)}" is damaged (no local header)` };
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > bytes.length) return { code: 'parse', message: `the zip entry "${entry.name.slice(0, 80)}" is cut short (the file is truncated)` };
  const data = bytes.subarray(start, end);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) return { code: 'parse', message: `the zip entry "${entry.name.slice(0, 80)}" is damaged (stored with two different sizes)` };
    return data;
  }
  if (entry.method !== 8) return { code: 'parse', message: `the zip entry "${entry.name.slice(0, 80)}" uses compression method ${entry.method}, which is not read (only deflate)` };
  try {
    // One byte more than declared: reaching it proves the entry lied about its size.
    const out = zlib.inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size + 1) });
    if (out.length !== entry.size) return { code: 'parse', message: `the zip entry "${entry.name.slice(0, 80)}" unpacks to ${out.length} bytes, not the ${entry.size} it declares` };
    return out;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return { code: 'too_large', message: `the zip entry "${entry.name.slice(0, 80)}" unpacks to more than the ${formatSize(entry.size)} it declares (a zip bomb): refused` };
    }
    return { code: 'parse', message: `the zip entry "${entry.name.slice(0, 80)}" cannot be unpacked (${(error as Error).message})` };
  }
}

export function isZipFailure(value: unknown): value is ZipFailure {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) && 'code' in (value as object) && 'message' in (value as object);
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
