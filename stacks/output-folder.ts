import { existsSync, lstatSync, readdirSync, realpathSync, renameSync, rmSync, statSync } from 'fs';
import { basename, dirname, join, resolve, sep } from 'path';

/** What a synth must never delete: the folders and files it was run from and with. */
export interface ProtectedPaths {
  /** The working directory (the project, with its state files). */
  readonly cwd: string;
  /** The table and catalog files, absolute or relative to the process's working directory (as `TableFiles` holds them). @default - none */
  readonly files?: readonly string[];
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
function realPath(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return parent === abs ? abs : join(realPath(parent), basename(abs));
}

const within = (inner: string, outer: string): boolean => inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/**
 * Whether a folder holds an earlier synth's output: its `manifest.json` or its
 * `stacks/`. Only such a folder, or an empty one, may be replaced.
 */
function isSynthOutput(dir: string): boolean {
  return existsSync(join(dir, 'manifest.json')) || (existsSync(join(dir, 'stacks')) && statSync(join(dir, 'stacks')).isDirectory());
}

/**
 * Why `out` may not be a synth's output folder, or `undefined` when it may.
 * A synth replaces the whole folder, so it refuses one that is an existing
 * file or link, that is or holds the working directory or a table file, or
 * that holds files of someone else's (not empty, no earlier synth's
 * `manifest.json` or `stacks/`).
 */
export function outputFolderProblem(out: string, protect: ProtectedPaths): string | undefined {
  const abs = resolve(protect.cwd, out);
  if (existsSync(abs) || isLink(abs)) {
    const stat = lstatSync(abs);
    if (stat.isSymbolicLink()) return 'is a symbolic link; a synth replaces the folder it names, so name the folder itself';
    if (!stat.isDirectory()) return 'is an existing file; a synth writes a folder there and would delete the file';
  }
  const real = realPath(abs);
  const cwd = realPath(protect.cwd);
  if (within(cwd, real))
    return real === cwd
      ? 'is the working directory; a synth replaces its output folder whole'
      : 'holds the working directory; a synth replaces its output folder whole';
  for (const file of protect.files ?? []) {
    if (within(realPath(resolve(file)), real)) return `holds ${file}, which a synth would delete with the folder`;
  }
  if (existsSync(abs) && readdirSync(abs).length > 0 && !isSynthOutput(abs)) {
    return 'holds files that no synth wrote (no manifest.json or stacks/ of an earlier synth); a synth replaces the whole folder';
  }
  return undefined;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Whether a process with this id is running (a synth that is still at work). */
function running(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What a killed synth left beside `out`: its staging folder
 * (`.<out>.staging-<pid>`) is removed; its previous output
 * (`<out>.previous-<pid>`), moved aside just before the swap, is put back when
 * `out` is missing (the swap never happened) and removed otherwise. Folders of
 * a synth still running are left alone.
 */
export function recoverLeftovers(out: string): void {
  const abs = resolve(out);
  const parent = dirname(abs);
  if (!existsSync(parent)) return;
  const name = basename(abs);
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const staging = new RegExp(`^\\.${escaped}\\.staging-(\\d+)$`);
  const previous = new RegExp(`^${escaped}\\.previous-(\\d+)$`);
  for (const entry of readdirSync(parent).sort()) {
    const m = staging.exec(entry) ?? previous.exec(entry);
    if (!m || running(Number(m[1]))) continue;
    const path = join(parent, entry);
    if (previous.test(entry) && !existsSync(abs)) renameSync(path, abs);
    else rmSync(path, { recursive: true, force: true });
  }
}
