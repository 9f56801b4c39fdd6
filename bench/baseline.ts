/**
 * The baseline: the resource set of one of our synthesized stacks, rebuilt
 * with bare cdktf and nothing of ours.
 *
 * Input is our own `cdk.tf.json` for the same fleet, so the baseline has
 * exactly the same providers, variables, data sources and resources, with the
 * same logical ids and the same attribute values. What it leaves out is what
 * this library adds on top of cdktf: reading and validating the table,
 * translating agents into policy documents, our constructs' tree and the
 * tokens (references between resources) they carry — the baseline holds
 * references as the literal `${…}` strings they resolve to.
 *
 * Two flavours:
 * - `core`: generic subclasses of cdktf's `TerraformResource`,
 *   `TerraformDataSource` and `TerraformProvider` whose attributes are the raw
 *   JSON config; the floor of what cdktf's tree, synth and JSON writing cost.
 * - `classes`: the provider bindings a bare-cdktf user would instantiate
 *   (`@cdktf/provider-aws/lib/iam-role` `IamRole`, …), found generically from
 *   the Terraform type; each instance gets the raw config as its attributes
 *   (the typed constructor is still run, so module loading and the classes'
 *   own construction are paid).
 * - `classes-refs`: `classes`, with every `${type.name.attr}` reference to a
 *   block of the stack written as the token a hand-written program would use
 *   (`role.getStringAttribute('arn')`) instead of the literal string it
 *   resolves to: what the same resources cost in a bare-cdktf program that
 *   wires them together.
 */
import { App, LocalBackend, TerraformDataSource, TerraformProvider, TerraformResource, TerraformStack, TerraformVariable } from 'cdktf';
import { Construct } from 'constructs';

/** Terraform JSON as cdktf writes it. */
export interface TerraformJson {
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly variable?: Record<string, Record<string, unknown>>;
  readonly provider?: Record<string, Record<string, unknown>[]>;
  readonly terraform?: {
    backend?: { local?: { path?: string } };
    required_providers?: Record<string, { source: string; version: string }>;
    required_version?: string;
  };
}

/** Which baseline to build. */
export type BaselineKind = 'core' | 'classes' | 'classes-refs';

type Raw = Record<string, unknown>;

function withoutMetadata(config: Raw): Raw {
  const { ['//']: _metadata, ...rest } = config;
  return rest;
}

class RawResource extends TerraformResource {
  constructor(
    scope: Construct,
    id: string,
    type: string,
    private readonly raw: Raw,
  ) {
    super(scope, id, { terraformResourceType: type });
  }
  protected synthesizeAttributes(): Raw {
    return this.raw;
  }
}

class RawDataSource extends TerraformDataSource {
  constructor(
    scope: Construct,
    id: string,
    type: string,
    private readonly raw: Raw,
  ) {
    super(scope, id, { terraformResourceType: type });
  }
  protected synthesizeAttributes(): Raw {
    return this.raw;
  }
}

class RawProvider extends TerraformProvider {
  constructor(
    scope: Construct,
    id: string,
    type: string,
    required: { source: string; version: string } | undefined,
    private readonly raw: Raw,
  ) {
    super(scope, id, {
      terraformResourceType: type,
      terraformProviderSource: required?.source,
      terraformGeneratorMetadata: required ? { providerName: type, providerVersion: required.version } : undefined,
    });
  }
  protected synthesizeAttributes(): Raw {
    return this.raw;
  }
}

const PACKAGES: Record<string, string> = { aws: '@cdktf/provider-aws', vault: '@cdktf/provider-vault', github: '@cdktf/provider-github' };

const pascal = (kebab: string): string => kebab.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());

type Ctor = new (scope: Construct, id: string, config: Raw) => TerraformResource | TerraformDataSource | TerraformProvider;

/** The provider binding class of a Terraform type (`aws_iam_role` → `@cdktf/provider-aws/lib/iam-role` `IamRole`). */
function bindingClass(kind: 'resource' | 'data' | 'provider', type: string): Ctor {
  const provider = type.split('_')[0];
  const pkg = PACKAGES[provider];
  if (!pkg) throw new Error(`no provider package for ${type}`);
  const rest = type.slice(provider.length + 1).replace(/_/g, '-');
  const file = kind === 'provider' ? 'provider' : kind === 'data' ? `data-${provider}-${rest}` : rest;
  const className = kind === 'provider' ? `${pascal(provider)}Provider` : pascal(file);
  const mod = require(`${pkg}/lib/${file}`) as Record<string, Ctor>;
  const ctor = mod[className];
  if (!ctor) throw new Error(`no class ${className} in ${pkg}/lib/${file}`);
  return ctor;
}

/**
 * Requires every provider binding a stack uses, so that a measurement can keep
 * module loading out of the timed work (as it is kept out for our fleet).
 */
export function preloadBindings(json: TerraformJson): void {
  for (const type of Object.keys(json.provider ?? {})) bindingClass('provider', type);
  for (const type of Object.keys(json.data ?? {})) bindingClass('data', type);
  for (const type of Object.keys(json.resource ?? {})) bindingClass('resource', type);
}

/** Gives an instance of a provider binding the raw config as its attributes (read when the stack synthesizes). */
function rawAttributes<T extends object>(element: T, raw: () => Raw): T {
  Object.defineProperty(element, 'synthesizeAttributes', { value: raw });
  return element;
}

const REFERENCE = /\$\{((?:data\.)?[a-z][a-z0-9]*_[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)\}/g;

/** `value` with each `${type.name.attr}` of a block in `blocks` replaced by that block's attribute token. */
function withTokens(value: unknown, blocks: ReadonlyMap<string, TerraformResource | TerraformDataSource>): unknown {
  if (typeof value === 'string') {
    return value.includes('${')
      ? value.replace(REFERENCE, (whole, address: string, attr: string) => blocks.get(address)?.getStringAttribute(attr) ?? whole)
      : value;
  }
  if (Array.isArray(value)) return value.map((v) => withTokens(v, blocks));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'depends_on' ? v : withTokens(v, blocks)]));
  return value;
}

/** Builds the baseline app for one synthesized stack. */
export function buildBaseline(json: TerraformJson, stackName: string, outdir: string, kind: BaselineKind): App {
  const app = new App({ outdir, skipValidation: false });
  const stack = new TerraformStack(app, stackName);
  const tf = json.terraform ?? {};
  if (tf.backend?.local) new LocalBackend(stack, { path: tf.backend.local.path });
  if (tf.required_version) stack.addOverride('terraform.required_version', tf.required_version);
  for (const [type, blocks] of Object.entries(json.provider ?? {})) {
    blocks.forEach((raw, i) => {
      const id = `provider.${type}.${i}`;
      if (kind === 'core') new RawProvider(stack, id, type, tf.required_providers?.[type], raw);
      else rawAttributes(new (bindingClass('provider', type))(stack, id, {}), () => raw);
    });
  }
  for (const [name, raw] of Object.entries(json.variable ?? {})) {
    const {
      type,
      default: def,
      description,
      sensitive,
      nullable,
      ...others
    } = raw as Raw & { type?: string; description?: string; sensitive?: boolean; nullable?: boolean };
    const variable = new TerraformVariable(stack, `variable.${name}`, { type, default: def, description, sensitive, nullable });
    variable.overrideLogicalId(name);
    for (const [key, value] of Object.entries(others)) variable.addOverride(key, value);
  }
  const blocks = new Map<string, TerraformResource | TerraformDataSource>();
  const configs: { element: TerraformResource | TerraformDataSource; raw: Raw }[] = [];
  for (const [block, kindOf] of [
    ['data', 'data'],
    ['resource', 'resource'],
  ] as const) {
    for (const [type, byName] of Object.entries(json[block] ?? {})) {
      const ctor = kind === 'core' ? undefined : bindingClass(kindOf, type);
      for (const [name, config] of Object.entries(byName)) {
        const raw = withoutMetadata(config);
        const id = `${block}.${type}.${name}`;
        let element: TerraformResource | TerraformDataSource;
        if (ctor) {
          const entry = { element: undefined as unknown as TerraformResource, raw };
          element = rawAttributes(new ctor(stack, id, {}) as TerraformResource, () => entry.raw);
          entry.element = element as TerraformResource;
          configs.push(entry);
        } else if (kindOf === 'data') element = new RawDataSource(stack, id, type, raw);
        else element = new RawResource(stack, id, type, raw);
        element.overrideLogicalId(name);
        blocks.set(block === 'data' ? `data.${type}.${name}` : `${type}.${name}`, element);
        // Meta-arguments cdktf writes from its own fields (and would blank from raw attributes).
        if (raw.depends_on !== undefined) element.addOverride('depends_on', raw.depends_on);
      }
    }
  }
  // Every block exists now: wire the references as a program would, through the blocks' attributes.
  if (kind === 'classes-refs') for (const entry of configs) entry.raw = withTokens(entry.raw, blocks) as Raw;
  return app;
}
