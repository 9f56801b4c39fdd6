import { buildSync, version as ESBUILD_VERSION } from 'esbuild';
import { createHash, randomBytes } from 'crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { isAbsolute, join, posix, resolve } from 'path';
import * as zlib from 'zlib';
import { FunctionRole } from '../model/operations';

const ROOT = resolve(__dirname, '..');

/** Where bundles (and their archives) are kept unless a caller says otherwise. */
const DEFAULT_CACHE_DIR = join(ROOT, '.gen', 'functions');

/** Everything passed to esbuild besides the entry point and where it runs. */
const OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
} as const;

/** Bump when the manifest's layout or what it tracks changes. */
const CACHE_FORMAT = 1;

/**
 * A tracked path was modified this close (ms) to the start of a build, or after it, so the
 * build may have read another version than the one hashed afterwards: no manifest is written.
 * Two seconds also covers file systems that keep coarse modification times.
 */
const RACE_WINDOW_MS = 2000;

/**
 * Bundles one function (`functions/<role>/index.ts`, exporting `handler`) with
 * its dependencies into a single `index.js`, and returns the directory that
 * holds it, ready for a cdktf `TerraformAsset` of type ARCHIVE.
 *
 * The directory is named after the bundle's content hash, so concurrent synths
 * share it safely and the asset hash changes only when the code does.
 *
 * esbuild runs only when something that goes into the bundle changed: each
 * build leaves `<cacheDir>/<role>.inputs.json`, and a later call (in any
 * process) that finds the same esbuild version and options, the same content
 * in every tracked path and the bundle still in place returns that bundle
 * without building. See {@link tracked} for what is tracked.
 *
 * @param cacheDir where bundles are kept @default `<project>/.gen/functions`
 */
export function bundleFunction(role: FunctionRole, cacheDir = DEFAULT_CACHE_DIR): string {
  const manifestPath = join(cacheDir, `${role}.inputs.json`);
  const entry = posix.join('functions', role, 'index.ts');
  const options = sha256(JSON.stringify({ ...OPTIONS, entry }));
  const cached = cachedBundle(manifestPath, role, options, cacheDir);
  if (cached) return cached;

  const started = Date.now();
  const result = buildSync({
    ...OPTIONS,
    entryPoints: [join(ROOT, entry)],
    write: false,
    // The bundle must not depend on where the repository is checked out.
    absWorkingDir: ROOT,
    logLevel: 'silent',
    metafile: true,
  });
  const code = result.outputFiles[0].contents;
  const hash = sha256(code).slice(0, 16);
  const name = `${role}-${hash}`;
  const dir = join(cacheDir, name);
  if (!existsSync(join(dir, 'index.js'))) {
    const staging = `${dir}.${process.pid}.tmp`;
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'index.js'), code);
    try {
      renameSync(staging, dir);
    } catch {
      // Another synth wrote the same bundle first; its copy is identical.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  writeManifest(manifestPath, { format: CACHE_FORMAT, esbuild: ESBUILD_VERSION, options, dir: name }, Object.keys(result.metafile.inputs), started);
  return dir;
}

/** Bump when what the zip writer produces for a bundle changes: archives are cached under it. */
const ARCHIVE_FORMAT = 1;

/**
 * {@link bundleFunction}'s bundle as a zip, ready for a cdktf `TerraformAsset` of type FILE
 * (cdktf then only copies it, instead of zipping the directory in a child process per asset
 * on every synth). Returns `<cacheDir>/<role>-<hash>.archive-<format>/archive.zip`, beside the
 * bundle directory `<role>-<hash>/`: the file is named `archive.zip` as cdktf names the
 * archives it makes, so the asset path (`assets/<id>/<asset hash>/archive.zip`) does not
 * carry the bundle hash a second time.
 *
 * The zip is written once per bundle (to a temporary file renamed into place, so concurrent
 * synths never see half of one) and holds every file of the bundle directory, sorted by name
 * (the bundle holds `index.js` alone), written by {@link zip}: the same bundle always gives the
 * same bytes, and so the same asset hash.
 *
 * @param cacheDir where bundles are kept @default `<project>/.gen/functions`
 */
export function bundleArchive(role: FunctionRole, cacheDir = DEFAULT_CACHE_DIR): string {
  const dir = bundleFunction(role, cacheDir);
  const archiveDir = `${dir}.archive-${ARCHIVE_FORMAT}`;
  const archive = join(archiveDir, 'archive.zip');
  if (existsSync(archive)) return archive;
  const entries = readdirSync(dir, { withFileTypes: true })
    .map((entry) => {
      if (!entry.isFile()) throw new Error(`${join(dir, entry.name)}: a bundle directory holds only files`);
      return entry.name;
    })
    .sort()
    .map((name) => ({ name, data: readFileSync(join(dir, name)) }));
  mkdirSync(archiveDir, { recursive: true });
  const staging = `${archive}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(staging, zip(entries));
    // Another synth may rename its copy first: the bytes are the same, either one wins.
    renameSync(staging, archive);
  } finally {
    rmSync(staging, { force: true });
  }
  return archive;
}

interface Manifest {
  readonly format: number;
  readonly esbuild: string;
  /** sha256 of the build options and the entry point. */
  readonly options: string;
  /** `<role>-<hash>`, under the cache directory. */
  readonly dir: string;
  /** Every tracked path, relative to the project root, with what it held. */
  readonly inputs: Record<string, Fingerprint>;
}

/** A file's size and content hash, a directory's sorted entry names (hashed), or `null`: the path must not exist. */
type Fingerprint = { size: number; sha256: string } | { entries: string } | null;

/** The bundle the manifest names, if the manifest is intact and nothing it tracks changed; never throws. */
function cachedBundle(manifestPath: string, role: FunctionRole, options: string, cacheDir: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (m.format !== CACHE_FORMAT || m.esbuild !== ESBUILD_VERSION || m.options !== options) return undefined;
    if (typeof m.dir !== 'string' || !new RegExp(`^${role}-[0-9a-f]{16}$`).test(m.dir)) return undefined;
    const paths = typeof m.inputs === 'object' && m.inputs !== null ? Object.keys(m.inputs) : [];
    if (paths.length === 0) return undefined;
    for (const path of paths) if (!holds(path, m.inputs[path])) return undefined;
    const dir = join(cacheDir, m.dir);
    return existsSync(join(dir, 'index.js')) ? dir : undefined;
  } catch {
    // Missing, unreadable or corrupt: build.
    return undefined;
  }
}

/**
 * Records what a build read, atomically (a reader sees the old manifest or the new one, whole).
 * Writes nothing when the build cannot be vouched for: an input that is not a file path, a
 * `tsconfig.json` that extends another, or a tracked path modified since shortly before the
 * build started (esbuild may have read another version than the one hashed here).
 */
function writeManifest(manifestPath: string, header: Omit<Manifest, 'inputs'>, inputs: string[], started: number): void {
  const staging = `${manifestPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const paths = tracked(inputs);
    if (paths === undefined) return;
    const manifest: Manifest = { ...header, inputs: {} };
    for (const path of paths) {
      const { print, mtimeMs } = fingerprint(path);
      if (mtimeMs >= started - RACE_WINDOW_MS) return;
      if (print !== null && 'sha256' in print && /(^|\/)[tj]sconfig\.json$/.test(path) && readFileSync(join(ROOT, path), 'utf8').includes('"extends"')) return;
      manifest.inputs[path] = print;
    }
    writeFileSync(staging, `${JSON.stringify(manifest, null, 1)}\n`);
    renameSync(staging, manifestPath);
  } catch {
    // The cache is an optimization: the next call builds again.
    rmSync(staging, { force: true });
  }
}

/**
 * The paths whose content decides the bundle, relative to the project root (`../` for a
 * node_modules linked or hoisted above it), or `undefined` when an input is not a file path
 * esbuild gave relative to the project (another namespace, another drive) and the bundle is not
 * cached:
 * - every file esbuild read (the metafile's inputs, node_modules included);
 * - the directories holding them, by their entry names: a file added next to an import can
 *   change what it resolves to (`./x` → `x.ts` before `x/index.ts`);
 * - in each of their ancestor directories up to the project root (up to the file system's root
 *   for inputs outside the project), `package.json` (`main`, `exports`, `sideEffects`),
 *   `tsconfig.json`/`jsconfig.json` (`paths`, compiler options) and `node_modules` (by entry
 *   names), present or absent;
 * - `node_modules/.package-lock.json`, which npm rewrites on every change to the installed tree
 *   (a package added to a nested `node_modules` that held no input would otherwise go unseen).
 * Not tracked: what lies above the project root for inputs inside it (the project's own
 * package.json, tsconfig.json and node_modules come first), and the file a `tsconfig.json`
 * `extends` (such a build is not cached, see {@link writeManifest}).
 */
function tracked(inputs: string[]): string[] | undefined {
  if (inputs.length === 0 || inputs.some((p) => isAbsolute(p) || p.includes(':'))) return undefined;
  const paths = new Set<string>(inputs);
  paths.add('node_modules/.package-lock.json');
  const seen = new Set<string>();
  for (const input of inputs) {
    paths.add(posix.dirname(input));
    // The walk ends at '.' (posix.dirname('.') is '.'). From `../../x/y` it passes `../../x`,
    // `../..` and `..`: every real ancestor, and a few of the project's besides.
    for (let dir = posix.dirname(input); !seen.has(dir); dir = posix.dirname(dir)) {
      seen.add(dir);
      for (const name of ['package.json', 'tsconfig.json', 'jsconfig.json', 'node_modules']) paths.add(posix.join(dir, name));
    }
  }
  return [...paths].sort();
}

/** What `path` (relative to the project root) holds now; throws only on errors other than absence. */
function fingerprint(path: string): { print: Fingerprint; mtimeMs: number } {
  const abs = join(ROOT, path);
  const stat = statSync(abs, { throwIfNoEntry: false });
  if (stat === undefined) return { print: null, mtimeMs: 0 };
  if (stat.isDirectory()) return { print: { entries: listing(abs) }, mtimeMs: stat.mtimeMs };
  const content = readFileSync(abs);
  return { print: { size: content.length, sha256: sha256(content) }, mtimeMs: stat.mtimeMs };
}

/** Whether `path` still holds what `print` recorded: {@link fingerprint}, without a stat per path. Throws on a malformed record. */
function holds(path: string, print: Fingerprint): boolean {
  const abs = join(ROOT, path);
  if (print === null) return !existsSync(abs);
  if ('sha256' in print) {
    const content = readFileSync(abs);
    return content.length === print.size && sha256(content) === print.sha256;
  }
  return listing(abs) === print.entries;
}

/** A directory's entry names, hashed: what can resolve there. */
function listing(abs: string): string {
  return sha256(readdirSync(abs).sort().join('\n'));
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

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

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(NEEDED, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(DEFLATE, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    local.writeUInt16LE(0, 28); // extra field length

    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(MADE_BY, 4);
    header.writeUInt16LE(NEEDED, 6);
    header.writeUInt16LE(flags, 8);
    header.writeUInt16LE(DEFLATE, 10);
    header.writeUInt16LE(DOS_TIME, 12);
    header.writeUInt16LE(DOS_DATE, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(compressed.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(fileName.length, 28);
    header.writeUInt16LE(0, 30); // extra field length
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
const crc32: (data: Uint8Array) => number =
  typeof (zlib as { crc32?: unknown }).crc32 === 'function' ? (data) => zlib.crc32(data) : tableCrc32;

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
