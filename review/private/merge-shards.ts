import type { StackOutput, TerraformBlocks, TerraformJson } from '../synth-output';

/** What cdktf names the remote-state read of another stack's outputs: `cross-stack-reference-input-<stack>`. */
const REMOTE_STATE_PREFIX = 'cross-stack-reference-input-';
const REMOTE_OUTPUT = /data\.terraform_remote_state\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g;
const LOCAL = /(?<![\w.-])local\.([A-Za-z0-9_-]+)/g;

/**
 * Joins a sharded fleet's stacks into one view, so that reviews read a fleet
 * whichever way it is deployed: every stack that reads another stack of the
 * output through cdktf's cross-stack remote state (a shard) is folded into
 * that stack (the fleet's shared stack).
 *
 * In the joined JSON each use of a shard's local is replaced by the local's
 * expression, and each remote-state read by the expression the shared stack's
 * output holds (`${data.terraform_remote_state.….outputs.x}` →
 * `${vault_auth_backend.fleet_AppRole_….path}`), the remote-state blocks are
 * dropped, and a shard block whose address another stack already uses (each
 * shard has its own `fleet_Dashboard_…`) gets `--<stack>` appended to its name.
 * `origins` keeps each block's own stack and file.
 *
 * Stacks that read no other stack of the output are returned as they are.
 */
export function mergeShards(stacks: readonly StackOutput[]): StackOutput[] {
  const names = new Set(stacks.map((s) => s.name));
  const producerOf = new Map<string, string>();
  for (const s of stacks) {
    const reads = Object.keys(s.json.data?.terraform_remote_state ?? {})
      .filter((n) => n.startsWith(REMOTE_STATE_PREFIX))
      .map((n) => n.slice(REMOTE_STATE_PREFIX.length))
      .filter((n) => names.has(n) && n !== s.name);
    // A shard reads exactly one stack, and that one reads none.
    if (reads.length === 1) producerOf.set(s.name, reads[0]);
  }
  for (const [shard, producer] of [...producerOf]) if (producerOf.has(producer)) producerOf.delete(shard);
  if (producerOf.size === 0) return [...stacks];

  const out: StackOutput[] = [];
  for (const producer of stacks) {
    if (producerOf.has(producer.name)) continue;
    const shards = stacks.filter((s) => producerOf.get(s.name) === producer.name);
    out.push(shards.length === 0 ? producer : joined(producer, shards));
  }
  return out;
}

function joined(shared: StackOutput, shards: readonly StackOutput[]): StackOutput {
  const outputs = (shared.json.output ?? {}) as Record<string, { value?: unknown }>;
  const resource: Record<string, Record<string, Record<string, unknown>>> = copyBlocks(shared.json.resource);
  const data: Record<string, Record<string, Record<string, unknown>>> = copyBlocks(shared.json.data);
  const variable: Record<string, Record<string, unknown>> = { ...(shared.json.variable ?? {}) };
  const origins = new Map<string, { stack: string; file: string }>();
  const own = { stack: shared.name, file: shared.file };
  for (const [kind, blocks] of [
    ['resource', resource],
    ['data', data],
  ] as const) {
    for (const [type, byName] of Object.entries(blocks)) for (const name of Object.keys(byName)) origins.set(address(kind, type, name), own);
  }

  for (const shard of shards) {
    const remote = `${REMOTE_STATE_PREFIX}${shared.name}`;
    // Names already taken get the shard's name appended, consistently in every string of the shard.
    const renames = new Map<string, string>();
    for (const [kind, blocks] of [
      ['resource', resource],
      ['data', data],
    ] as const) {
      for (const [type, byName] of Object.entries(shard.json[kind] ?? {})) {
        if (kind === 'data' && type === 'terraform_remote_state') continue;
        for (const name of Object.keys(byName)) if (blocks[type]?.[name] !== undefined) renames.set(`${type}.${name}`, `${type}.${name}--${shard.name}`);
      }
    }
    let text = JSON.stringify({ resource: shard.json.resource ?? {}, data: shard.json.data ?? {}, variable: shard.json.variable ?? {} });
    // Renamed first: the expressions put in next point into the shared stack, never at a renamed block.
    for (const [from, to] of renames) text = text.split(`${from}.`).join(`${to}.`).split(`"${from}"`).join(`"${to}"`);
    // The shard's locals (each shared value read once) first: their values are the remote-state reads.
    const locals = (shard.json.locals ?? {}) as Record<string, unknown>;
    text = text.replace(LOCAL, (whole, name: string) => {
      const value = locals[name];
      const m = typeof value === 'string' ? /^\$\{([^{}]*)\}$/.exec(value) : null;
      return m ? m[1] : whole;
    });
    text = text.replace(REMOTE_OUTPUT, (whole, state: string, output: string) => {
      if (state !== remote) return whole;
      const value = outputs[output]?.value;
      const m = typeof value === 'string' ? /^\$\{([^{}]*)\}$/.exec(value) : null;
      return m ? m[1] : whole;
    });
    const json = JSON.parse(text) as { resource: TerraformBlocks; data: TerraformBlocks; variable: Record<string, Record<string, unknown>> };
    const origin = { stack: shard.name, file: shard.file };
    for (const [kind, target] of [
      ['resource', resource],
      ['data', data],
    ] as const) {
      for (const [type, byName] of Object.entries(json[kind])) {
        if (kind === 'data' && type === 'terraform_remote_state') continue;
        for (const [name, body] of Object.entries(byName)) {
          const renamed = renames.get(`${type}.${name}`)?.slice(type.length + 1) ?? name;
          (target[type] ??= {})[renamed] = body;
          origins.set(address(kind, type, renamed), origin);
        }
      }
    }
    Object.assign(variable, json.variable);
  }
  const json: TerraformJson = { ...shared.json, resource, data, variable };
  return { name: shared.name, file: shared.file, json, origins, parts: [shared.name, ...shards.map((s) => s.name)] };
}

function copyBlocks(blocks: TerraformBlocks | undefined): Record<string, Record<string, Record<string, unknown>>> {
  return Object.fromEntries(Object.entries(blocks ?? {}).map(([type, byName]) => [type, { ...byName }]));
}

function address(kind: 'resource' | 'data', type: string, name: string): string {
  return kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
}
