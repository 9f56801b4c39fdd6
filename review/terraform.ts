import { StackOutput, SynthOutput } from './synth-output';
import { byCodeUnit } from './private/order';

/** A resource or data block of a synthesized stack. */
export interface TerraformBlock {
  readonly kind: 'resource' | 'data';
  /** Resource type, e.g. `aws_iam_role`. */
  readonly type: string;
  /** The block's Terraform name (cdktf's logical id). */
  readonly name: string;
  /** `type.name`, or `data.type.name` for a data block: how Terraform refers to it. */
  readonly address: string;
  /** The block's arguments, cdktf's `//` metadata left out. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** One Terraform reference found in a block's arguments. */
export interface TerraformReference {
  /** Address of the block the reference is written in. */
  readonly from: string;
  /** Where in the block: `role`, `target.arn`, `token_policies[0]`. */
  readonly attribute: string;
  /** Address referred to: `type.name`, `data.type.name` or `var.name`. */
  readonly to: string;
  /** The attribute read from it (`arn`, `name`…); absent for `var.` and `depends_on`. */
  readonly attr?: string;
  /** `expression` for `${…}`, `depends_on` for an explicit dependency. */
  readonly via: 'expression' | 'depends_on';
}

/** Attributes that name a resource, in the order tried. */
const NAME_ATTRIBUTES = ['name', 'role_name', 'alarm_name', 'function_name', 'configuration_name', 'path'] as const;

/**
 * `${…}` interpolations in a string, braces balanced, `$${` escapes skipped.
 * Returns the expressions between the braces.
 */
export function interpolations(text: string): string[] {
  const out: string[] = [];
  for (let i = text.indexOf('${'); i !== -1; i = text.indexOf('${', i + 2)) {
    if (i > 0 && text[i - 1] === '$') continue;
    let depth = 0;
    for (let j = i + 1; j < text.length; j++) {
      if (text[j] === '{') depth++;
      else if (text[j] === '}' && --depth === 0) {
        out.push(text.slice(i + 2, j));
        i = j - 1;
        break;
      }
    }
  }
  return out;
}

/**
 * References inside one Terraform expression: `type.name.attr` (a resource
 * type always has an underscore), `data.type.name.attr`, `var.name`.
 */
export function referencesInExpression(expression: string): { to: string; attr?: string }[] {
  const out: { to: string; attr?: string }[] = [];
  const pattern =
    /(?<![\w.\]"-])(?:(data)\.([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)|([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)|var\.([A-Za-z0-9_-]+))/g;
  for (const m of expression.matchAll(pattern)) {
    if (m[1]) out.push({ to: `data.${m[2]}.${m[3]}`, attr: m[4] });
    else if (m[5]) out.push({ to: `${m[5]}.${m[6]}`, attr: m[7] });
    else out.push({ to: `var.${m[8]}` });
  }
  return out;
}

/** Every string in a value, with its attribute path (`a.b[0].c`); cdktf's `//` keys left out. */
export function* stringsIn(value: unknown, path = ''): Generator<{ path: string; text: string }> {
  if (typeof value === 'string') {
    yield { path, text: value };
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], `${path}[${i}]`);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === '//') continue;
      yield* stringsIn(v, path === '' ? key : `${path}.${key}`);
    }
  }
}

function withoutMetadata(body: Record<string, unknown>): Record<string, unknown> {
  const { ['//']: _metadata, ...rest } = body;
  return rest;
}

/**
 * A read-only view of one synthesized stack: its blocks, the references
 * between them, and the names resources carry. Reviews read resources by
 * type and attributes through it, never by cdktf logical ids.
 */
export class StackView {
  public readonly name: string;
  public readonly file: string;
  public readonly stack: StackOutput;
  private readonly byAddress = new Map<string, TerraformBlock>();
  private readonly sorted: TerraformBlock[];
  // Indexes built once: reports look resources up per agent, and a scan per lookup
  // made them grow with agents × resources.
  private readonly resourcesByType = new Map<string, TerraformBlock[]>();
  private readonly byAttribute = new Map<string, Map<unknown, TerraformBlock>>();

  constructor(stack: StackOutput) {
    this.stack = stack;
    this.name = stack.name;
    this.file = stack.file;
    const blocks: TerraformBlock[] = [];
    for (const kind of ['resource', 'data'] as const) {
      for (const [type, byName] of Object.entries(stack.json[kind] ?? {})) {
        for (const [name, body] of Object.entries(byName)) {
          const address = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
          blocks.push({ kind, type, name, address, body: withoutMetadata(body) });
        }
      }
    }
    this.sorted = blocks.sort((a, b) => byCodeUnit(a.address, b.address));
    for (const b of this.sorted) {
      this.byAddress.set(b.address, b);
      if (b.kind !== 'resource') continue;
      const list = this.resourcesByType.get(b.type) ?? [];
      list.push(b);
      this.resourcesByType.set(b.type, list);
    }
  }

  /** Every resource and data block, sorted by address. */
  public blocks(): readonly TerraformBlock[] {
    return this.sorted;
  }

  /** The resources of one type, sorted by address. */
  public resources(type: string): TerraformBlock[] {
    return [...(this.resourcesByType.get(type) ?? [])];
  }

  /** The first resource of `type` (by address) whose `attribute` equals `value`. */
  public resourceWith(type: string, attribute: string, value: unknown): TerraformBlock | undefined {
    const key = `${type}\u0000${attribute}`;
    let index = this.byAttribute.get(key);
    if (!index) {
      index = new Map();
      for (const b of this.resourcesByType.get(type) ?? []) {
        if (!index.has(b.body[attribute])) index.set(b.body[attribute], b);
      }
      this.byAttribute.set(key, index);
    }
    return index.get(value);
  }

  /** The stack and file a block was read from: its shard's for a shard's block of a joined fleet, else this stack's. */
  public originOf(block: Pick<TerraformBlock, 'address'>): { readonly stack: string; readonly file: string } {
    return this.stack.origins?.get(block.address) ?? { stack: this.name, file: this.file };
  }

  /** The block at an address (`type.name` or `data.type.name`). */
  public block(address: string): TerraformBlock | undefined {
    return this.byAddress.get(address);
  }

  /** The stack's outputs, by name (sorted), each with its `value` and other arguments. */
  public outputs(): { readonly name: string; readonly address: string; readonly body: Readonly<Record<string, unknown>> }[] {
    const outputs = (this.stack.json as { output?: Record<string, Record<string, unknown>> }).output ?? {};
    return Object.keys(outputs)
      .sort()
      .map((name) => ({ name, address: `output.${name}`, body: withoutMetadata(outputs[name]) }));
  }

  /** Names of the stack's variables, sorted. */
  public variables(): string[] {
    return Object.keys(this.stack.json.variable ?? {}).sort();
  }

  /** Every reference written in a block: `${…}` expressions and `depends_on`. */
  public references(block: Pick<TerraformBlock, 'address' | 'body'>): TerraformReference[] {
    const out: TerraformReference[] = [];
    for (const { path, text } of stringsIn(block.body)) {
      if (/^depends_on\[\d+\]$/.test(path) && !text.includes('${')) {
        out.push({ from: block.address, attribute: path, to: text, via: 'depends_on' });
        continue;
      }
      for (const expression of interpolations(text)) {
        for (const ref of referencesInExpression(expression)) out.push({ from: block.address, attribute: path, ...ref, via: 'expression' });
      }
    }
    return out;
  }

  /** The block a whole-string reference (`${type.name.attr}`) points at. */
  public target(value: unknown): TerraformBlock | undefined {
    if (typeof value !== 'string') return undefined;
    const m = /^\$\{([^{}]*)\}$/.exec(value.trim());
    if (!m) return undefined;
    const refs = referencesInExpression(m[1]);
    return refs.length === 1 ? this.byAddress.get(refs[0].to) : undefined;
  }

  /**
   * A literal string value: the value itself when it holds no reference, or
   * the literal attribute a whole-string reference reads (`${vault_policy.x.name}`
   * → `agent-x`). `undefined` when it is not known before apply.
   */
  public literal(value: unknown): string | undefined {
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') return undefined;
    if (!value.includes('${')) return value;
    const block = this.target(value);
    const attr = /\.([A-Za-z0-9_]+)\}$/.exec(value.trim())?.[1];
    if (!block || !attr) return undefined;
    const v = block.body[attr];
    return typeof v === 'string' && !v.includes('${') ? v : undefined;
  }

  /** The name a resource carries (`name`, `role_name`, `alarm_name`…), when literal. */
  public nameOf(block: TerraformBlock): string | undefined {
    for (const attr of NAME_ATTRIBUTES) {
      const v = block.body[attr];
      if (typeof v === 'string' && v !== '' && !v.includes('${')) return v;
    }
    return undefined;
  }

  /**
   * How reports name a block without its logical id: `type/name` by the name
   * it carries, `type` alone when it is the only one of its type, else the address.
   */
  public label(block: TerraformBlock): string {
    const name = this.nameOf(block);
    const prefix = block.kind === 'data' ? `data.${block.type}` : block.type;
    if (name !== undefined) return `${prefix}/${name}`;
    const sameType = this.sorted.filter((b) => b.kind === block.kind && b.type === block.type);
    return sameType.length === 1 ? prefix : block.address;
  }

  /**
   * `text` with every reference written without logical ids, so that a grant
   * reads the same when only construct paths change:
   * `${aws_secretsmanager_secret.Fleet_X_1234.arn}` → `${aws_secretsmanager_secret["scoped-agents/…/salesforce"].arn}`.
   */
  public stable(text: string): string {
    return text.replace(/\$\{([^{}]*)\}/g, (whole, expression: string) => {
      const refs = referencesInExpression(expression);
      if (refs.length !== 1 || refs[0].to.startsWith('var.')) return whole;
      const block = this.byAddress.get(refs[0].to);
      if (!block) return whole;
      const name = this.nameOf(block);
      const prefix = block.kind === 'data' ? `data.${block.type}` : block.type;
      const sameType = this.sorted.filter((b) => b.kind === block.kind && b.type === block.type).length;
      const id = name !== undefined ? `${prefix}[${JSON.stringify(name)}]` : sameType === 1 ? prefix : block.address;
      return `\${${id}.${refs[0].attr}}`;
    });
  }
}

const views = new WeakMap<SynthOutput, StackView[]>();

/** One view per stack of an output (cached per output object). */
export function stackViews(output: SynthOutput): StackView[] {
  let v = views.get(output);
  if (!v) {
    v = output.stacks.map((s) => new StackView(s));
    views.set(output, v);
  }
  return v;
}
