import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';
import { mergeShards } from './private/merge-shards';
import { byCodeUnit } from './private/order';
import { OutputError, StackOutput, SynthOutput, TerraformJson } from './synth-output';

const SYNTH_FIRST = 'run scoped-agents synth first';

/**
 * Reads every `stacks/<name>/cdk.tf.json` under a synthesized output
 * directory (`cdktf.out`), sorted by stack name, each sharded fleet joined into one view.
 *
 * @param dir the directory to read
 * @param shown how messages name it (the path as the user wrote it)
 * @default shown - `dir`
 * @throws OutputError naming the path when the directory is missing, holds no stack, a stack is not Terraform JSON, or a stack its manifest names is missing
 */
export function readOutput(dir: string, shown: string = dir): SynthOutput {
  return { dir: shown, stacks: mergeShards(readStacks(dir, shown)) };
}

/** What of cdktf's `manifest.json` a reader needs: the name of every stack the synth wrote. */
interface Manifest {
  readonly stacks: Readonly<Record<string, { readonly name?: unknown; readonly synthesizedStackPath?: unknown }>>;
}

/**
 * Reads every stack of a synthesized output as it is on disk, one by one
 * (a sharded fleet not joined), sorted by name. The output's `manifest.json`
 * names every stack the synth wrote: each must be there, and no other, so
 * that a review never passes on part of a fleet.
 *
 * @throws OutputError as {@link readOutput}
 */
export function readStacks(dir: string, shown: string = dir): StackOutput[] {
  if (!existsSync(dir)) throw new OutputError(`${shown}: not found — ${SYNTH_FIRST} (or pass the output directory with --out)`);
  if (!statSync(dir).isDirectory()) throw new OutputError(`${shown}: not a directory — pass the directory scoped-agents synth wrote (cdktf.out)`);
  const stacksDir = join(dir, 'stacks');
  const present =
    existsSync(stacksDir) && statSync(stacksDir).isDirectory()
      ? readdirSync(stacksDir)
          .filter((n) => !n.startsWith('.'))
          .sort(byCodeUnit)
      : [];
  const manifestFile = join(shown, 'manifest.json');
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) {
    throw new OutputError(
      present.length === 0
        ? `${shown}: no stacks found — ${SYNTH_FIRST}`
        : `${manifestFile}: not found, so which stacks the synth wrote is unknown — ${SYNTH_FIRST}`,
    );
  }
  const manifest = readJson(manifestPath, manifestFile);
  if (!isObject(manifest) || !isObject(manifest.stacks)) throw new OutputError(`${manifestFile}: not a cdktf manifest (no "stacks") — ${SYNTH_FIRST}`);
  const named = Object.keys((manifest as unknown as Manifest).stacks).sort(byCodeUnit);
  if (named.length === 0) throw new OutputError(`${shown}: no stacks found — ${SYNTH_FIRST}`);
  for (const name of named) {
    if (!present.includes(name))
      throw new OutputError(`${join(shown, 'stacks', name)}: missing, though ${manifestFile} names it — the output is incomplete; ${SYNTH_FIRST}`);
  }
  for (const name of present) {
    if (!named.includes(name)) throw new OutputError(`${join(shown, 'stacks', name)}: not in ${manifestFile} — left over from another synth; ${SYNTH_FIRST}`);
  }
  return named.map((name): StackOutput => {
    const file = join(shown, 'stacks', name, 'cdk.tf.json');
    const path = join(stacksDir, name, 'cdk.tf.json');
    if (!existsSync(path)) throw new OutputError(`${file}: not found — the stack directory has no Terraform JSON; ${SYNTH_FIRST}`);
    return { name, file, json: parseTerraformJson(readText(path, file), file) };
  });
}

/** A file's text; a folder or an unreadable file is an OutputError naming it. */
function readText(path: string, shown: string): string {
  if (statSync(path).isDirectory()) throw new OutputError(`${shown}: is a folder, not a file — ${SYNTH_FIRST}`);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new OutputError(`${shown}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}) — ${SYNTH_FIRST}`);
  }
}

function readJson(path: string, shown: string): unknown {
  try {
    return JSON.parse(readText(path, shown));
  } catch (e) {
    if (e instanceof OutputError) throw e;
    throw new OutputError(`${shown}: not valid JSON (${e instanceof Error ? e.message : String(e)}) — ${SYNTH_FIRST}`);
  }
}

/**
 * Parses one stack's Terraform JSON.
 *
 * @param file how messages name the file
 * @throws OutputError when the text is not a JSON object, or a block is not an object of objects
 */
export function parseTerraformJson(text: string, file: string): TerraformJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new OutputError(`${file}: not valid JSON (${e instanceof Error ? e.message : String(e)}) — ${SYNTH_FIRST}`);
  }
  if (!isObject(json)) throw new OutputError(`${file}: not a Terraform JSON object — ${SYNTH_FIRST}`);
  for (const block of ['resource', 'data'] as const) {
    const types = json[block];
    if (types === undefined) continue;
    const bad = !isObject(types) || Object.values(types).some((byName) => !isObject(byName) || Object.values(byName).some((body) => !isObject(body)));
    if (bad) throw new OutputError(`${file}: "${block}" is not a map of types to named blocks — ${SYNTH_FIRST}`);
  }
  return json as TerraformJson;
}

/** Builds an output from stacks held in memory (tests, and callers that synthesize without writing). */
export function outputOf(stacks: readonly { name: string; json: TerraformJson; file?: string }[], dir = '(in memory)'): SynthOutput {
  return {
    dir,
    stacks: mergeShards(
      [...stacks]
        .sort((a, b) => byCodeUnit(a.name, b.name))
        .map((s) => ({ name: s.name, json: s.json, file: s.file ?? join(dir, 'stacks', s.name, 'cdk.tf.json') })),
    ),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
