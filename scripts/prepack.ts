/**
 * What `npm pack` (and `npm publish`) runs before packing: the compiled
 * library in `lib/` (JS, declarations, source maps), every function's bundle
 * as the archive the constructs deploy (`dist/functions/<role>/archive.zip`, built
 * from the sources with the same esbuild options a synth from the repository
 * uses, so the asset hashes are the same), and the table's JSON Schema.
 *
 * Run: node -r tsx/cjs scripts/prepack.ts
 */
import { execFileSync } from 'child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { bundleArchive } from '../constructs/private/bundle';
import { FUNCTIONS } from '../model/operations';
import { JSON_SCHEMA_PATH, tableJsonSchema } from '../table/json-schema';

const ROOT = resolve(__dirname, '..');

rmSync(join(ROOT, 'lib'), { recursive: true, force: true });
rmSync(join(ROOT, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit', cwd: ROOT });

const out = join(ROOT, 'dist', 'functions');
mkdirSync(out, { recursive: true });
for (const role of FUNCTIONS) {
  mkdirSync(join(out, role));
  copyFileSync(bundleArchive(role, join(ROOT, '.gen', 'functions')), join(out, role, 'archive.zip'));
}

writeFileSync(join(ROOT, JSON_SCHEMA_PATH), `${JSON.stringify(tableJsonSchema(), null, 2)}\n`);
process.stderr.write(`prepack: lib/, ${FUNCTIONS.length} function bundles in dist/functions/, ${JSON_SCHEMA_PATH}\n`);
