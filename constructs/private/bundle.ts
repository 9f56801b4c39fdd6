import type * as Esbuild from 'esbuild';
import { createHash, randomBytes } from 'crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { isAbsolute, join, posix, sep } from 'path';
import { FunctionRole } from '../../model/operations';
import { packageRoot } from './package-root';
import { zip } from './zip';

const ROOT = packageRoot();

/**
 * The functions' bundles as the package ships them (`npm pack` builds them): `dist/functions/<role>/archive.zip`,
 * the file name a build from the sources gives them, so the synthesized asset paths are the same.
 */
export const PREBUILT_DIR = join(ROOT, 'dist', 'functions');

/**
 * Where bundles built from the sources (and their archives) are kept unless a caller says
 * otherwise: `SCOPED_AGENTS_CACHE_DIR`, else `<repository>/.gen/functions` in a checkout of
 * the repository, else `.scoped-agents/functions` in the working directory — never inside
 * `node_modules`, which may be read-only.
 */
function defaultCacheDir(): string {
  const configured = process.env.SCOPED_AGENTS_CACHE_DIR?.trim();
  if (configured) return configured;
  if (!ROOT.split(sep).includes('node_modules')) return join(ROOT, '.gen', 'functions');
  return join(process.cwd(), '.scoped-agents', 'functions');
}

/** esbuild, loaded only to build from the sources: an installed package ships its bundles built. */
function esbuild(): typeof Esbuild {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first build only, so a plain synth never pays for it
  return require('esbuild') as typeof Esbuild;
}

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
 * @param cacheDir where bundles are kept @default - see {@link defaultCacheDir}
 */
export function bundleFunction(role: FunctionRole, cacheDir = defaultCacheDir()): string {
  const manifestPath = join(cacheDir, `${role}.inputs.json`);
  const entry = posix.join('functions', role, 'index.ts');
  const options = sha256(JSON.stringify({ ...OPTIONS, entry }));
  const { buildSync, version } = esbuild();
  const cached = cachedBundle(manifestPath, role, options, cacheDir, version);
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
  writeManifest(manifestPath, { format: CACHE_FORMAT, esbuild: version, options, dir: name }, Object.keys(result.metafile.inputs), started);
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
 * @param cacheDir where bundles are kept @default - the shipped `dist/functions/<role>/archive.zip` in an installed package, else see {@link defaultCacheDir}
 */
export function bundleArchive(role: FunctionRole, cacheDir?: string): string {
  // An installed package has no sources to build from: it ships each archive, built by `npm pack`.
  if (cacheDir === undefined && !existsSync(join(ROOT, 'functions', role, 'index.ts'))) {
    const prebuilt = join(PREBUILT_DIR, role, 'archive.zip');
    if (!existsSync(prebuilt))
      throw new Error(`scoped-agents: the ${role} function's bundle ${prebuilt} is missing from the package, and its sources are not there to build it`);
    return prebuilt;
  }
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
function cachedBundle(manifestPath: string, role: FunctionRole, options: string, cacheDir: string, esbuildVersion: string): string | undefined {
  try {
    const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest;
    if (m.format !== CACHE_FORMAT || m.esbuild !== esbuildVersion || m.options !== options) return undefined;
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
