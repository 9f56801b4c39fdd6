/**
 * The Lambda packages: each function bundles into one self-contained
 * `index.js` (what the cdktf asset ships) that loads and handles an event in a
 * plain Node process, outside this repository's node_modules. Bundles are
 * cached across processes: esbuild runs again only when what went into a
 * bundle changed. Each bundle is also zipped, once and deterministically, into
 * the archive the Lambda function ships.
 */
import { execFile, execFileSync, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { buildSync, version as esbuildVersion } from 'esbuild';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { basename, join } from 'path';
import { promisify } from 'util';
import { crc32 } from 'zlib';
import { bundleArchive, bundleFunction } from '../../constructs/private/bundle';
import { tableCrc32 } from '../../constructs/private/zip';
import { FUNCTIONS } from '../../model';

// The real esbuild, with its builds counted.
jest.mock('esbuild', () => {
  const actual = jest.requireActual('esbuild');
  return { ...actual, buildSync: jest.fn(actual.buildSync) };
});

const ROOT = join(__dirname, '..', '..');

const cacheDir = mkdtempSync(join(tmpdir(), 'scoped-agents-bundles-'));
const dirs = [cacheDir];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs `handler(event)` of a bundle copied alone into an empty directory; returns what it resolved or rejected with. */
function invoke(bundleDir: string, event: unknown, env: Record<string, string>): { ok: boolean; value: unknown } {
  const alone = mkdtempSync(join(tmpdir(), 'scoped-agents-lambda-'));
  dirs.push(alone);
  writeFileSync(join(alone, 'index.js'), readFileSync(join(bundleDir, 'index.js')));
  const script = `
    const { handler } = require(${JSON.stringify(join(alone, 'index.js'))});
    handler(${JSON.stringify(event)}, { invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' }).then(
      (value) => process.stdout.write(JSON.stringify({ ok: true, value })),
      (e) => process.stdout.write(JSON.stringify({ ok: false, value: e.message })),
    );`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: alone, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return JSON.parse(out.slice(out.indexOf('{"ok"')));
}

const ENV = {
  FLEET: 'scoped-agents',
  VAULT_ADDR: 'http://127.0.0.1:1',
  KV_MOUNT: 'kv',
  APPROLE_MOUNT: 'approle',
  VAULT_LOGIN_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x',
  WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:y',
  SCHEDULE_GROUP: 'g',
  SCHEDULER_ROLE_ARN: 'arn:aws:iam::123456789012:role/s',
  AWS_REGION: 'us-east-1',
};

test.each(FUNCTIONS.map((f) => [f]))('%s bundles into one file that imports nothing from the repository or cdktf', (role) => {
  const code = readFileSync(join(bundleFunction(role, cacheDir), 'index.js'), 'utf8');
  const requires = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((m) => !m.startsWith('node:'));
  // Only Node built-ins are left to require at run time. (The SDK's error message for SigV4a
  // quotes `require("@aws-sdk/signature-v4-crt")` as advice; it is text, not a call.)
  const builtins = new Set([...(require('module').builtinModules as string[]), '@aws-sdk/signature-v4-crt']);
  expect(requires.filter((m) => !builtins.has(m))).toEqual([]);
  expect(code.match(/require\("@aws-sdk\/signature-v4-crt"\)/g)?.length ?? 0).toBe(code.match(/\[require\("@aws-sdk\/signature-v4-crt"\);\]/g)?.length ?? 0);
  expect(code).not.toMatch(/require\("(cdktf|constructs|@cdktf\/[^"]+|zod)"\)/);
});

test('the bundled revoke handler runs standalone: an OK state is ignored without any call', () => {
  const event = {
    Records: [
      { Sns: { Message: JSON.stringify({ AlarmName: 'scoped-agents/scoped-agents/a/orphan', NewStateValue: 'OK', NewStateReason: '', StateChangeTime: '' }) } },
    ],
  };
  expect(invoke(bundleFunction('revoke', cacheDir), event, ENV)).toEqual({ ok: true, value: { revoked: [] } });
});

test('the bundled rotate handler runs standalone: an unknown event is refused with the expected shapes', () => {
  const result = invoke(bundleFunction('rotate', cacheDir), { nope: true }, ENV);
  expect(result.ok).toBe(false);
  expect(result.value).toMatch(/^unknown event: expected \{ action: 'rotate', agent \}/);
});

test('the bundled rotate handler names every missing environment variable at once', () => {
  const result = invoke(bundleFunction('rotate', cacheDir), { action: 'rotate', agent: 'a' }, { AWS_REGION: 'us-east-1' });
  expect(result.value).toMatch(
    /FLEET is not set\n- VAULT_ADDR is not set\n- KV_MOUNT is not set\n- APPROLE_MOUNT is not set\n- VAULT_LOGIN_SECRET_ARN is not set\n- SCHEDULE_GROUP is not set\n- SCHEDULER_ROLE_ARN is not set/,
  );
});

test('the bundled notify handler runs standalone: an event without alarms posts nothing', () => {
  expect(invoke(bundleFunction('notify', cacheDir), { Records: [] }, ENV)).toEqual({ ok: true, value: { posted: 0 } });
});

test('the bundled usage-summary handler runs standalone: a malformed schedule payload is refused before any call', () => {
  const result = invoke(bundleFunction('usage-summary', cacheDir), { action: 'summarize', agents: { a: { maxCallsPerMinute: 'many' } } }, ENV);
  expect(result).toEqual({
    ok: false,
    value: 'the usage-summary event is not usable:\n- agents.a.maxCallsPerMinute must be a whole number above 0, got "many"',
  });
});

/** How many times esbuild ran during `fn`. */
function builds(fn: () => void): number {
  const build = buildSync as jest.MockedFunction<typeof buildSync>;
  build.mockClear();
  fn();
  return build.mock.calls.length;
}
function freshCache(): string {
  const dir = mkdtempSync(join(tmpdir(), 'scoped-agents-bundles-'));
  dirs.push(dir);
  return dir;
}

describe('the bundle cache', () => {
  const manifestOf = (cache: string, role: string) => join(cache, `${role}.inputs.json`);
  /** The manifest's key for a file of an installed package (`../…/node_modules/…` when node_modules is linked from above the project). */
  function installed(inputs: Record<string, unknown>, path: string): string {
    const key = Object.keys(inputs).find((p) => p === `node_modules/${path}` || p.endsWith(`/node_modules/${path}`));
    if (key === undefined) throw new Error(`no input ends with node_modules/${path}`);
    return key;
  }
  const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

  test('a second call with nothing changed returns the same bundle without running esbuild or rewriting the manifest', () => {
    const cache = freshCache();
    let first = '';
    expect(builds(() => (first = bundleFunction('notify', cache)))).toBe(1);
    const manifest = readFileSync(manifestOf(cache, 'notify'), 'utf8');
    const written = statSync(manifestOf(cache, 'notify')).mtimeMs;

    let second = '';
    expect(builds(() => (second = bundleFunction('notify', cache)))).toBe(0);
    expect(second).toBe(first);
    expect(readFileSync(manifestOf(cache, 'notify'), 'utf8')).toBe(manifest);
    expect(statSync(manifestOf(cache, 'notify')).mtimeMs).toBe(written);
  });

  test('the manifest records esbuild, the bundle directory and what every tracked path held', () => {
    const cache = freshCache();
    const dir = bundleFunction('notify', cache);
    const m = JSON.parse(readFileSync(manifestOf(cache, 'notify'), 'utf8'));
    expect(m).toMatchObject({ format: 1, esbuild: esbuildVersion, dir: basename(dir) });
    expect(basename(dir)).toBe(`notify-${sha256(readFileSync(join(dir, 'index.js'))).slice(0, 16)}`);
    const entry = readFileSync(join(ROOT, 'functions', 'notify', 'index.ts'));
    expect(m.inputs['functions/notify/index.ts']).toEqual({ size: entry.length, sha256: sha256(entry) });
    const pkg = readFileSync(join(ROOT, 'package.json'));
    expect(m.inputs['package.json']).toEqual({ size: pkg.length, sha256: sha256(pkg) });
    expect(m.inputs['functions/notify']).toEqual({
      entries: sha256(
        readdirSync(join(ROOT, 'functions', 'notify'))
          .sort()
          .join('\n'),
      ),
    });
    expect(m.inputs['functions/node_modules']).toBeNull();
    // Dependencies are inputs too, with the package.json that decides what resolves.
    for (const dep of ['@aws-sdk/client-secrets-manager/dist-cjs/index.js', '@aws-sdk/client-secrets-manager/package.json']) {
      const content = readFileSync(join(ROOT, 'node_modules', dep));
      expect(m.inputs[installed(m.inputs, dep)]).toEqual({ size: content.length, sha256: sha256(content) });
    }
  });

  // What the manifest says no longer matches the project: the next call builds, returns the
  // same bundle, and records the project as it is (the manifest it wrote first).
  test.each<[string, (inputs: Record<string, unknown>) => void]>([
    [
      'an input file with other content of the same size',
      (inputs) => {
        const real = inputs['functions/rotate/index.ts'] as { size: number; sha256: string };
        inputs['functions/rotate/index.ts'] = { size: real.size, sha256: '0'.repeat(64) };
      },
    ],
    [
      'an input under node_modules with other content',
      (inputs) => {
        const path = installed(inputs, '@aws-sdk/client-secrets-manager/dist-cjs/index.js');
        inputs[path] = { ...(inputs[path] as object), sha256: '0'.repeat(64) };
      },
    ],
    [
      'a directory holding inputs with other entries',
      (inputs) => {
        inputs['functions/rotate'] = { entries: sha256('index.ts') };
      },
    ],
    [
      'a node_modules directory where there is none',
      (inputs) => {
        inputs['functions/node_modules'] = { entries: sha256('') };
      },
    ],
    [
      'an input that no longer exists',
      (inputs) => {
        inputs['functions/rotate/removed.ts'] = { size: 1, sha256: sha256('x') };
      },
    ],
  ])('%s: the next call runs esbuild and records the project as it is', (_, tamper) => {
    const cache = freshCache();
    const dir = bundleFunction('rotate', cache);
    const original = JSON.parse(readFileSync(manifestOf(cache, 'rotate'), 'utf8'));
    const tampered = JSON.parse(JSON.stringify(original));
    tamper(tampered.inputs);
    writeFileSync(manifestOf(cache, 'rotate'), JSON.stringify(tampered));

    expect(builds(() => expect(bundleFunction('rotate', cache)).toBe(dir))).toBe(1);
    expect(JSON.parse(readFileSync(manifestOf(cache, 'rotate'), 'utf8'))).toEqual(original);
  });

  // A manifest that cannot vouch for a bundle: the next call builds, silently, and rewrites it.
  /** Plants a complete-looking bundle at `dir` and returns a manifest naming it as `name`. */
  const naming = (text: string, dir: string, name: string) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), 'exports.handler = async () => "planted";\n');
    return JSON.stringify({ ...JSON.parse(text), dir: name });
  };
  test.each<[string, (text: string, cache: string) => string]>([
    ['not JSON', (text) => text.slice(0, text.length / 2)],
    ['empty', () => ''],
    ['JSON null', () => 'null'],
    ['from another esbuild version', (text) => JSON.stringify({ ...JSON.parse(text), esbuild: '0.0.1' })],
    ['from other build options', (text) => JSON.stringify({ ...JSON.parse(text), options: '0'.repeat(64) })],
    ['in another cache format', (text) => JSON.stringify({ ...JSON.parse(text), format: 0 })],
    ['tracking nothing', (text) => JSON.stringify({ ...JSON.parse(text), inputs: {} })],
    ['naming a bundle directory that is not there', (text) => JSON.stringify({ ...JSON.parse(text), dir: 'usage-summary-0123456789abcdef' })],
    [
      'naming a bundle outside the cache',
      (text, cache) => {
        dirs.push(`${cache}-outside`);
        return naming(text, join(`${cache}-outside`, 'usage-summary-0123456789abcdef'), `../${basename(cache)}-outside/usage-summary-0123456789abcdef`);
      },
    ],
    ["naming another function's bundle", (text, cache) => naming(text, join(cache, 'notify-0123456789abcdef'), 'notify-0123456789abcdef')],
  ])('a manifest %s: the next call runs esbuild, returns the same bundle and rewrites the manifest', (_, corrupt) => {
    const cache = freshCache();
    const dir = bundleFunction('usage-summary', cache);
    const original = readFileSync(manifestOf(cache, 'usage-summary'), 'utf8');
    writeFileSync(manifestOf(cache, 'usage-summary'), corrupt(original, cache));

    expect(builds(() => expect(bundleFunction('usage-summary', cache)).toBe(dir))).toBe(1);
    expect(readFileSync(manifestOf(cache, 'usage-summary'), 'utf8')).toBe(original);
  });

  test('a bundle directory removed from the cache is built again under the same name', () => {
    const cache = freshCache();
    const dir = bundleFunction('revoke', cache);
    const code = sha256(readFileSync(join(dir, 'index.js')));
    rmSync(dir, { recursive: true });

    expect(builds(() => expect(bundleFunction('revoke', cache)).toBe(dir))).toBe(1);
    expect(sha256(readFileSync(join(dir, 'index.js')))).toBe(code);
  });

  test('a build that started when an input had just been modified leaves no manifest, and the next build writes one', () => {
    const cache = freshCache();
    // The build "starts" at the moment the entry point was last written: esbuild may have read it mid-write.
    const now = jest.spyOn(Date, 'now').mockReturnValue(statSync(join(ROOT, 'functions', 'notify', 'index.ts')).mtimeMs);
    let dir = '';
    try {
      expect(builds(() => (dir = bundleFunction('notify', cache)))).toBe(1);
    } finally {
      now.mockRestore();
    }
    expect(existsSync(join(dir, 'index.js'))).toBe(true);
    expect(existsSync(manifestOf(cache, 'notify'))).toBe(false);

    expect(builds(() => expect(bundleFunction('notify', cache)).toBe(dir))).toBe(1);
    expect(builds(() => expect(bundleFunction('notify', cache)).toBe(dir))).toBe(0);
  });

  test('synths bundling at the same time into one cache agree, leave nothing half-written, and the next synth builds nothing', async () => {
    const cache = freshCache();
    const script = `
      const { bundleFunction } = require(${JSON.stringify(join(ROOT, 'constructs', 'private', 'bundle'))});
      process.stdout.write(JSON.stringify(${JSON.stringify(FUNCTIONS)}.map((role) => bundleFunction(role, ${JSON.stringify(cache)}))));`;
    const synths = await Promise.all(
      [1, 2, 3, 4].map(() => promisify(execFile)(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' })),
    );
    const returned = synths.map(({ stdout }) => JSON.parse(stdout) as string[]);
    expect(new Set(returned.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(readdirSync(cache).sort()).toEqual([...returned[0].map((d) => basename(d)), ...FUNCTIONS.map((r) => `${r}.inputs.json`)].sort());

    expect(builds(() => expect(FUNCTIONS.map((role) => bundleFunction(role, cache))).toEqual(returned[0]))).toBe(0);
  });
});

describe('the bundle archive', () => {
  /** The zip readers on this machine: Info-ZIP `unzip` and Python's `zipfile`, each used where present. */
  const readers = (['unzip', 'python3'] as const).filter((tool) => spawnSync('which', [tool]).status === 0);
  /** What `reader` finds in the archive: entry names, whether every entry's CRC checks out, and the entries extracted into a new directory. */
  function read(reader: (typeof readers)[number], archive: string): { names: string[]; verified: boolean; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), 'scoped-agents-unzipped-'));
    dirs.push(dir);
    if (reader === 'unzip') {
      const names = execFileSync('unzip', ['-Z1', archive], { encoding: 'utf8' })
        .split('\n')
        .filter((n) => n !== '');
      const test = spawnSync('unzip', ['-t', archive], { encoding: 'utf8' });
      execFileSync('unzip', ['-q', archive, '-d', dir]);
      return { names, verified: test.status === 0 && test.stdout.includes('No errors detected'), dir };
    }
    const script =
      'import json, sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nbad = z.testzip()\nz.extractall(sys.argv[2])\nprint(json.dumps({"names": z.namelist(), "bad": bad}))';
    const out = JSON.parse(execFileSync('python3', ['-c', script, archive, dir], { encoding: 'utf8' }));
    return { names: out.names, verified: out.bad === null, dir };
  }

  /** The fields of a one-entry archive's headers, read at the offsets the APPNOTE gives. */
  function headers(zip: Buffer) {
    const end = zip.length - 22;
    const at = zip.readUInt32LE(end + 16);
    const local = zip.readUInt32LE(at + 42);
    return {
      end: { signature: zip.readUInt32LE(end), entries: zip.readUInt16LE(end + 10), size: zip.readUInt32LE(end + 12), comment: zip.readUInt16LE(end + 20) },
      central: {
        signature: zip.readUInt32LE(at),
        madeBy: zip.readUInt16LE(at + 4),
        needed: zip.readUInt16LE(at + 6),
        flags: zip.readUInt16LE(at + 8),
        method: zip.readUInt16LE(at + 10),
        time: zip.readUInt16LE(at + 12),
        date: zip.readUInt16LE(at + 14),
        crc: zip.readUInt32LE(at + 16),
        extra: zip.readUInt16LE(at + 30),
        comment: zip.readUInt16LE(at + 32),
        external: zip.readUInt32LE(at + 38),
        local,
        name: zip.subarray(at + 46, at + 46 + zip.readUInt16LE(at + 28)).toString(),
      },
      local: {
        signature: zip.readUInt32LE(local),
        flags: zip.readUInt16LE(local + 6),
        time: zip.readUInt16LE(local + 10),
        date: zip.readUInt16LE(local + 12),
        crc: zip.readUInt32LE(local + 14),
        extra: zip.readUInt16LE(local + 28),
      },
    };
  }

  test('lies beside the bundle directory and is byte-identical across calls and across caches', () => {
    const cache = freshCache();
    const archive = bundleArchive('notify', cache);
    expect(archive).toBe(join(cache, `${basename(bundleFunction('notify', cache))}.archive-1`, 'archive.zip'));
    const bytes = readFileSync(archive);
    expect(bundleArchive('notify', cache)).toBe(archive);
    expect(readFileSync(archive).equals(bytes)).toBe(true);

    const other = freshCache();
    const elsewhere = bundleArchive('notify', other);
    expect(elsewhere).not.toBe(archive);
    expect(readFileSync(elsewhere).equals(bytes)).toBe(true);
  });

  test('holds index.js alone, with a fixed time, fixed attributes and no extra fields', () => {
    const archive = bundleArchive('revoke', cacheDir);
    const code = readFileSync(join(bundleFunction('revoke', cacheDir), 'index.js'));
    const h = headers(readFileSync(archive));
    expect(h.end).toEqual({ signature: 0x06054b50, entries: 1, size: 46 + 'index.js'.length, comment: 0 });
    expect(h.central).toEqual({
      signature: 0x02014b50,
      madeBy: 0x0314, // Unix, 2.0
      needed: 20,
      flags: 0,
      method: 8, // DEFLATE
      time: 0, // 00:00:00
      date: (0 << 9) | (1 << 5) | 1, // 1980-01-01
      crc: crc32(code),
      extra: 0,
      comment: 0,
      external: 0o100644 * 0x10000, // regular file, rw-r--r--
      local: 0,
      name: 'index.js',
    });
    expect(h.local).toEqual({ signature: 0x04034b50, flags: 0, time: 0, date: 33, crc: crc32(code), extra: 0 });
  });

  test("unzips to exactly index.js, the bundle's bytes, its CRC verified", () => {
    expect(readers.length).toBeGreaterThan(0);
    const archive = bundleArchive('rotate', cacheDir);
    const code = readFileSync(join(bundleFunction('rotate', cacheDir), 'index.js'));
    for (const reader of readers) {
      const { names, verified, dir } = read(reader, archive);
      expect({ reader, names, verified }).toEqual({ reader, names: ['index.js'], verified: true });
      expect(readFileSync(join(dir, 'index.js')).equals(code)).toBe(true);
    }
  });

  test('holds every file of the bundle directory, sorted by name', () => {
    const cache = freshCache();
    const dir = bundleFunction('notify', cache);
    writeFileSync(join(dir, 'LICENSE.txt'), 'planted\n'.repeat(100));
    writeFileSync(join(dir, 'a.json'), '{}');
    const archive = bundleArchive('notify', cache);
    for (const reader of readers) {
      const { names, verified, dir: out } = read(reader, archive);
      expect({ reader, names, verified }).toEqual({ reader, names: ['LICENSE.txt', 'a.json', 'index.js'], verified: true });
      for (const name of names) expect(readFileSync(join(out, name)).equals(readFileSync(join(dir, name)))).toBe(true);
    }
  });

  test('the handler inside runs: an event without alarms posts nothing', () => {
    const { dir } = read(readers[0], bundleArchive('notify', cacheDir));
    expect(invoke(dir, { Records: [] }, ENV)).toEqual({ ok: true, value: { posted: 0 } });
  });

  test('a second call neither rewrites the archive nor runs esbuild; a removed archive is written again, the same, without esbuild', () => {
    const cache = freshCache();
    let archive = '';
    expect(builds(() => (archive = bundleArchive('usage-summary', cache)))).toBe(1);
    const bytes = readFileSync(archive);
    const { mtimeMs, ino } = statSync(archive);

    expect(builds(() => expect(bundleArchive('usage-summary', cache)).toBe(archive))).toBe(0);
    expect(statSync(archive)).toMatchObject({ mtimeMs, ino });

    rmSync(archive);
    expect(builds(() => expect(bundleArchive('usage-summary', cache)).toBe(archive))).toBe(0);
    expect(readFileSync(archive).equals(bytes)).toBe(true);
  });

  test('synths archiving at the same time into one cache agree and leave nothing half-written', async () => {
    const cache = freshCache();
    const script = `
      const { bundleArchive } = require(${JSON.stringify(join(ROOT, 'constructs', 'private', 'bundle'))});
      process.stdout.write(JSON.stringify(${JSON.stringify(FUNCTIONS)}.map((role) => bundleArchive(role, ${JSON.stringify(cache)}))));`;
    const synths = await Promise.all(
      [1, 2, 3, 4].map(() => promisify(execFile)(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' })),
    );
    const returned = synths.map(({ stdout }) => JSON.parse(stdout) as string[]);
    expect(new Set(returned.map((r) => JSON.stringify(r))).size).toBe(1);
    for (const archive of returned[0]) {
      expect(readdirSync(join(archive, '..'))).toEqual(['archive.zip']);
      const role = basename(join(archive, '..')).replace(/-[0-9a-f]{16}\.archive-1$/, '');
      expect(readFileSync(archive).equals(readFileSync(bundleArchive(role as (typeof FUNCTIONS)[number], cacheDir)))).toBe(true);
    }
  });

  test('the table CRC-32 (for Node before 20.15) agrees with zlib.crc32', () => {
    expect(tableCrc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    for (const data of [Buffer.alloc(0), Buffer.from('a'), Buffer.alloc(1000, 0xff), readFileSync(join(bundleFunction('notify', cacheDir), 'index.js'))]) {
      expect(tableCrc32(data)).toBe(crc32(data));
    }
  });
});
