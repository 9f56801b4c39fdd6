/**
 * `synth --out` replaces its output folder whole, so it must never be pointed
 * at something it would destroy: an existing file, the working directory or
 * an ancestor of it, the table's folder, or a folder of someone else's files.
 * And what a killed synth left behind is cleaned up (or put back) by the next.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { run } from '../../cli/main';
import { CommandIO } from '../../cli/private/io';
import { loadFleet } from '../../table';
import { synthesizeFleet, UnsafeOutputError } from '../../stacks/synthesize-fleet';
import { tempDir } from '../helpers';

const SEED = readFileSync(resolve(__dirname, '..', '..', 'agents.yaml'), 'utf8');

/** A project folder holding the seed table and a notes file, as a user's would. */
function project(): string {
  const dir = join(tempDir(), 'project');
  mkdirSync(dir);
  writeFileSync(join(dir, 'agents.yaml'), SEED);
  writeFileSync(join(dir, 'notes.txt'), 'my notes');
  return dir;
}

/** Runs the CLI in `cwd`. */
async function cliIn(cwd: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = { out: (t) => (out += t), err: (t) => (err += t), cwd, env: {} };
  return { code: await run(argv, io), out, err };
}

/** Every path under `dir` with each file's content: what must survive a refused synth. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      try {
        out[p] = readFileSync(p, 'utf8');
      } catch {
        out[p] = '<dir>';
        walk(p);
      }
    }
  };
  walk(dir);
  return out;
}

describe('synth --out: refuses a folder it would destroy something in (exit 2, nothing written, nothing deleted)', () => {
  test.each([
    ['an existing file', 'notes.txt', 'is an existing file; a synth writes a folder there and would delete the file'],
    ['the working directory', '.', 'is the working directory; a synth replaces its output folder whole'],
    ['the working directory, spelt another way', 'sub/..', 'is the working directory; a synth replaces its output folder whole'],
    ['the parent of the working directory', '..', 'holds the working directory; a synth replaces its output folder whole'],
    ['the filesystem root', '/', 'holds the working directory; a synth replaces its output folder whole'],
  ])('fails when --out is %s', async (_label, out, reason) => {
    const dir = project();
    const before = snapshot(join(dir, '..'));
    const r = await cliIn(dir, ['synth', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      `error: --out ${out} ${reason}. Name a new folder or one an earlier synth wrote, e.g. --out cdktf.out\n` +
        'Usage: scoped-agents synth [--table agents.yaml] [--catalog scopes.yaml] [--out cdktf.out]\n',
    );
    expect(snapshot(join(dir, '..'))).toEqual(before);
  });

  test('fails when --out is the folder holding the table, named from elsewhere', async () => {
    const dir = project();
    const elsewhere = tempDir();
    const before = snapshot(dir);
    const r = await cliIn(elsewhere, ['synth', '--table', join(dir, 'agents.yaml'), '--out', dir]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error: --out ${dir} holds ${join(dir, 'agents.yaml')}, which a synth would delete with the folder.`);
    expect(snapshot(dir)).toEqual(before);
  });

  test('fails when --out is an ancestor of the folder holding the catalog', async () => {
    const dir = project();
    mkdirSync(join(dir, 'tables', 'catalogs'), { recursive: true });
    writeFileSync(join(dir, 'tables', 'catalogs', 'scopes.yaml'), 'version: 1\nscopes: {}\n');
    writeFileSync(join(dir, 'table.md'), 'Agent | Required Action | API Scope\n---|---|---\nx | y | z\n');
    const r = await cliIn(dir, ['synth', '--table', join(dir, 'table.md'), '--catalog', join(dir, 'tables', 'catalogs', 'scopes.yaml'), '--out', 'tables']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`error: --out tables holds ${join(dir, 'tables', 'catalogs', 'scopes.yaml')}, which a synth would delete with the folder.`);
    expect(existsSync(join(dir, 'tables', 'catalogs', 'scopes.yaml'))).toBe(true);
  });

  test('fails when --out is a non-empty folder no synth wrote', async () => {
    const dir = project();
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs', 'design.md'), '# design');
    const r = await cliIn(dir, ['synth', '--out', 'docs']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(
      'error: --out docs holds files that no synth wrote (no manifest.json or stacks/ of an earlier synth); a synth replaces the whole folder.',
    );
    expect(readdirSync(join(dir, 'docs'))).toEqual(['design.md']);
  });

  test('fails when --out is a link to the working directory', async () => {
    const dir = project();
    symlinkSync(dir, join(dir, 'out-link'));
    const r = await cliIn(dir, ['synth', '--out', 'out-link']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: --out out-link is a symbolic link; a synth replaces the folder it names, so name the folder itself.');
    expect(readdirSync(dir).sort()).toEqual(['agents.yaml', 'notes.txt', 'out-link']);
  });

  test('writes into a new folder, an empty one, and one an earlier synth wrote', async () => {
    const dir = project();
    mkdirSync(join(dir, 'empty'));
    for (const out of ['cdktf.out', 'empty', 'cdktf.out']) {
      const r = await cliIn(dir, ['synth', '--out', out]);
      expect([r.code, r.err]).toEqual([0, '']);
      expect(readdirSync(join(dir, out)).sort()).toEqual(['agents', 'manifest.json', 'stacks']);
    }
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('my notes');
  });

  test('the library refuses the same folders: synthesizeFleet throws UnsafeOutputError', async () => {
    const dir = project();
    const fleet = await loadFleet({ table: join(dir, 'agents.yaml') });
    expect(() => synthesizeFleet(fleet, join(dir, 'notes.txt'), { stateDir: dir, protect: { cwd: dir } })).toThrow(
      new UnsafeOutputError(join(dir, 'notes.txt'), 'is an existing file; a synth writes a folder there and would delete the file'),
    );
    expect(() => synthesizeFleet(fleet, dir, { stateDir: dir, protect: { cwd: join(dir, '..') } })).toThrow(/holds files that no synth wrote/);
    expect(readdirSync(dir).sort()).toEqual(['agents.yaml', 'notes.txt']);
  });
});

describe('synth: what a killed synth left behind', () => {
  // A pid no process has (above the kernel's pid_max).
  const DEAD = 4194304 + 17;

  test("removes a dead synth's staging folder and previous output beside a current one", async () => {
    const dir = project();
    expect((await cliIn(dir, ['synth'])).code).toBe(0);
    mkdirSync(join(dir, `.cdktf.out.staging-${DEAD}`, 'stacks'), { recursive: true });
    mkdirSync(join(dir, `cdktf.out.previous-${DEAD}`, 'stacks'), { recursive: true });
    expect((await cliIn(dir, ['synth'])).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['agents.yaml', 'cdktf.out', 'notes.txt']);
  });

  test('puts back the previous output a synth killed mid-swap had moved aside, keeping its Terraform files', async () => {
    const dir = project();
    expect((await cliIn(dir, ['synth'])).code).toBe(0);
    writeFileSync(join(dir, 'cdktf.out', 'stacks', 'scoped-agents', '.terraform.lock.hcl'), '# locked\n');
    // Killed between moving the output aside and moving the new one in.
    const { renameSync } = await import('fs');
    renameSync(join(dir, 'cdktf.out'), join(dir, `cdktf.out.previous-${DEAD}`));
    mkdirSync(join(dir, `.cdktf.out.staging-${DEAD}`));
    expect((await cliIn(dir, ['synth'])).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['agents.yaml', 'cdktf.out', 'notes.txt']);
    expect(readFileSync(join(dir, 'cdktf.out', 'stacks', 'scoped-agents', '.terraform.lock.hcl'), 'utf8')).toBe('# locked\n');
  });

  test("leaves the folders of a synth that is still running (this process's pid stands for one)", async () => {
    const dir = project();
    mkdirSync(join(dir, `.cdktf.out.staging-${process.pid}`));
    expect((await cliIn(dir, ['synth', '--out', 'other.out'])).code).toBe(0);
    expect(existsSync(join(dir, `.cdktf.out.staging-${process.pid}`))).toBe(true);
  });
});
