import { buildSync } from 'esbuild';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { FunctionRole } from '../model/operations';

const ROOT = resolve(__dirname, '..');

/**
 * Bundles one function (`functions/<role>/index.ts`, exporting `handler`) with
 * its dependencies into a single `index.js`, and returns the directory that
 * holds it, ready for a cdktf `TerraformAsset` of type ARCHIVE.
 *
 * The directory is named after the bundle's content hash, so concurrent synths
 * share it safely and the asset hash changes only when the code does.
 *
 * @param cacheDir where bundles are kept @default `<project>/.gen/functions`
 */
export function bundleFunction(role: FunctionRole, cacheDir = join(ROOT, '.gen', 'functions')): string {
  const result = buildSync({
    entryPoints: [join(ROOT, 'functions', role, 'index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    // The bundle must not depend on where the repository is checked out.
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const dir = join(cacheDir, `${role}-${hash}`);
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
  return dir;
}
