import { SynthesizedStack } from './synthesized';
import { VaultClient, VaultMethod, VaultResponse } from './vault-client';

/** Options of {@link replayVault}. */
export interface ReplayOptions {
  /**
   * Values of Terraform variables, as `TF_VAR_<name>` would set them.
   * @default - each variable's `default`; a referenced variable without one is an error
   */
  readonly variables?: Readonly<Record<string, string>>;
  /**
   * How `vault_aws_secret_backend` is applied.
   * - `require`: mount Vault's `aws` secrets engine, as the provider does; when the
   *   server has none (OpenBao ships none), fail before applying anything.
   * - `kv-stand-in`: mount a KV v1 engine at the same path instead, store each
   *   `vault_aws_secret_backend_role` at `<path>/roles/<name>` after checking its
   *   fields the way the aws engine's role validation does, and a placeholder at
   *   `<path>/creds/<name>`. ACLs are matched on paths, so policies are proven
   *   exactly; what the real engine would do with the role (call STS) is not.
   * @default 'require'
   */
  readonly awsSecretsEngine?: 'require' | 'kv-stand-in';
  /**
   * The file every `vault_audit` of type `file` writes to, in place of its
   * `options.file_path`: a path on the Vault server's host (e.g.
   * `/var/log/vault/…`) means nothing on a test machine, so tests pass a temp
   * file here and read the log back. Every other option is sent as synthesized.
   * OpenBao enables audit devices over the API only when started with
   * `allowApiAuditDevices` (see test/support/openbao.ts).
   * @default - the synthesized `file_path`
   */
  readonly auditFilePath?: string;
  /**
   * Where every `vault_jwt_auth_backend` gets its signing keys, in place of
   * the synthesized key source (`oidc_discovery_url`, `jwks_url` or
   * `jwt_validation_pubkeys`). GitHub's issuer publishes its keys on the
   * internet, which tests do not reach and whose private keys no test holds:
   * a test generates its own key pair and passes the public key (PEM), or
   * serves a JWKS on 127.0.0.1. Only the key source changes: `bound_issuer`,
   * every role and every other argument are applied as synthesized, so a
   * token must still carry GitHub's `iss`, the role's audience and claims.
   * @default - the synthesized key source; one that is not on this machine is
   *   refused before anything is applied
   */
  readonly jwtKeySource?: { readonly jwt_validation_pubkeys: readonly string[] } | { readonly jwks_url: string };
}

/** What {@link replayVault} did. */
export interface ReplaySummary {
  /** Number of resources applied, by resource type. */
  readonly applied: Record<string, number>;
  /** Resources applied to a stand-in rather than the engine the provider would use, each with why. */
  readonly standIns: readonly string[];
  /**
   * Attributes of every applied resource by address (`vault_policy.<name>`),
   * as Terraform state would hold them: references resolved, write-only
   * attributes absent, computed ones (`role_id`, `accessor`, `id`) filled in.
   */
  readonly state: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

type Config = Record<string, unknown>;

interface ApplyContext {
  readonly vault: VaultClient;
  readonly address: string;
  readonly options: ReplayOptions;
  /** Mount paths of aws engines replaced by a KV stand-in. */
  readonly standInMounts: Set<string>;
  readonly standIns: string[];
  /** Calls Vault and throws unless the status is expected, naming the resource. */
  call(method: VaultMethod, path: string, body: unknown, expected: readonly number[]): Promise<VaultResponse>;
}

interface Handler {
  /** Every argument the replay knows how to send; any other one is an error, never silently dropped. */
  readonly fields: readonly string[];
  /** Applies the resolved configuration and returns its state attributes. */
  apply(ctx: ApplyContext, config: Config): Promise<Config>;
}

/** Keeps only what the provider sends: `d.GetOk` skips zero values (false, 0, "", empty lists and maps). */
function set(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

function pick(config: Config, fields: readonly string[]): Config {
  const out: Config = {};
  for (const f of fields) if (set(config[f])) out[f] = config[f];
  return out;
}

function mountConfig(config: Config): Config | undefined {
  const out: Config = {};
  if (set(config.default_lease_ttl_seconds)) out.default_lease_ttl = `${config.default_lease_ttl_seconds}s`;
  if (set(config.max_lease_ttl_seconds)) out.max_lease_ttl = `${config.max_lease_ttl_seconds}s`;
  return Object.keys(out).length > 0 ? out : undefined;
}

async function accessorOf(ctx: ApplyContext, table: 'mounts' | 'auth', path: string): Promise<string | undefined> {
  const res = await ctx.call('GET', `sys/${table}`, undefined, [200]);
  return res.body?.data?.[`${path}/`]?.accessor;
}

/** `credential_types` and the checks of the aws engine's `awsRoleEntry.validate()` that concern our fields. */
const AWS_CREDENTIAL_TYPES = ['iam_user', 'assumed_role', 'federation_token', 'session_token'];
function awsRoleProblems(config: Config): string[] {
  const problems: string[] = [];
  const types = String(config.credential_type ?? '')
    .split(',')
    .filter((t) => t !== '');
  if (types.length === 0) problems.push('did not supply credential_type');
  for (const t of types) if (!AWS_CREDENTIAL_TYPES.includes(t)) problems.push(`unrecognized credential type: ${t}`);
  const sts = types.some((t) => t !== 'iam_user');
  if (set(config.default_sts_ttl) && !sts)
    problems.push('default_sts_ttl parameter only valid for assumed_role, federation_token, and session_token credential types');
  if (set(config.max_sts_ttl) && !sts) problems.push('max_sts_ttl parameter only valid for assumed_role, federation_token, and session_token credential types');
  if (Number(config.max_sts_ttl ?? 0) > 0 && Number(config.default_sts_ttl ?? 0) > Number(config.max_sts_ttl)) {
    problems.push('"default_sts_ttl" value must be less than or equal to "max_sts_ttl" value');
  }
  const roleArns = (config.role_arns as unknown[] | undefined) ?? [];
  if (roleArns.length > 0 && !types.includes('assumed_role')) problems.push("cannot supply role_arns when credential_type isn't assumed_role");
  if (types.includes('assumed_role') && roleArns.length === 0) problems.push('assumed_role needs role_arns (no default role to assume)');
  for (const arn of roleArns) {
    if (typeof arn !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(arn))
      problems.push(`role_arns entry is not an IAM role ARN: ${String(arn)}`);
  }
  return problems;
}

const HANDLERS: Record<string, Handler> = {
  vault_audit: {
    fields: ['type', 'path', 'description', 'local', 'options'],
    async apply(ctx, c) {
      const path = String(c.path ?? c.type); // the provider's default path is the type
      const options = { ...((c.options as Config | undefined) ?? {}) };
      if (c.type === 'file' && ctx.options.auditFilePath !== undefined) options.file_path = ctx.options.auditFilePath;
      // The provider enables the device with PUT sys/audit/<path>: type, description, local, options.
      await ctx.call('PUT', `sys/audit/${path}`, { ...pick(c, ['type', 'description', 'local']), options }, [204]);
      return { ...c, path, options, id: path };
    },
  },
  vault_mount: {
    fields: ['path', 'type', 'description', 'options', 'local', 'seal_wrap', 'external_entropy_access', 'default_lease_ttl_seconds', 'max_lease_ttl_seconds'],
    async apply(ctx, c) {
      const body = { ...pick(c, ['type', 'description', 'options', 'local', 'seal_wrap', 'external_entropy_access']), config: mountConfig(c) };
      await ctx.call('POST', `sys/mounts/${c.path}`, body, [204]);
      return { ...c, id: c.path, accessor: await accessorOf(ctx, 'mounts', String(c.path)) };
    },
  },
  vault_auth_backend: {
    fields: ['type', 'path', 'description', 'local'],
    async apply(ctx, c) {
      const path = String(c.path ?? c.type); // the provider's default path is the type
      await ctx.call('POST', `sys/auth/${path}`, pick(c, ['type', 'description', 'local']), [204]);
      return { ...c, path, id: path, accessor: await accessorOf(ctx, 'auth', path) };
    },
  },
  vault_aws_secret_backend: {
    fields: [
      'path',
      'description',
      'local',
      'default_lease_ttl_seconds',
      'max_lease_ttl_seconds',
      'access_key',
      'secret_key',
      'region',
      'iam_endpoint',
      'sts_endpoint',
      'username_template',
    ],
    async apply(ctx, c) {
      const path = String(c.path ?? 'aws'); // the provider's default
      // The provider mounts the engine, then always writes config/root (empty keys: Vault's own identity).
      const root = {
        access_key: c.access_key ?? '',
        secret_key: c.secret_key ?? '',
        ...pick(c, ['region', 'iam_endpoint', 'sts_endpoint', 'username_template']),
      };
      if (ctx.options.awsSecretsEngine === 'kv-stand-in') {
        const description = `${c.description ?? ''} [KV v1 stand-in: this server has no aws secrets engine]`.trim();
        await ctx.call('POST', `sys/mounts/${path}`, { type: 'kv', description, options: { version: '1' } }, [204]);
        ctx.standInMounts.add(path);
        ctx.standIns.push(`${ctx.address}: KV v1 stand-in mounted at ${path}/ in place of the aws secrets engine`);
        await ctx.call('POST', `${path}/config/root`, root, [204]);
      } else {
        const body = { type: 'aws', ...pick(c, ['description', 'local']), config: mountConfig(c) };
        await ctx.call('POST', `sys/mounts/${path}`, body, [204]);
        await ctx.call('POST', `${path}/config/root`, root, [200, 204]);
      }
      return { ...c, path, id: path, accessor: await accessorOf(ctx, 'mounts', path) };
    },
  },
  vault_aws_secret_backend_role: {
    fields: [
      'backend',
      'name',
      'credential_type',
      'role_arns',
      'policy_arns',
      'policy_document',
      'iam_groups',
      'iam_tags',
      'session_tags',
      'external_id',
      'default_sts_ttl',
      'max_sts_ttl',
      'user_path',
      'permissions_boundary_arn',
      'mfa_serial_number',
    ],
    async apply(ctx, c) {
      const backend = String(c.backend);
      const body = pick(
        c,
        HANDLERS.vault_aws_secret_backend_role.fields.filter((f) => f !== 'backend' && f !== 'name'),
      );
      if (ctx.standInMounts.has(backend)) {
        // The KV stand-in accepts anything: check the role as the aws engine's validate() would.
        const problems = awsRoleProblems(body);
        if (problems.length > 0) throw new Error(`replay: ${ctx.address}: the aws engine would refuse this role: ${problems.join('; ')}`);
        await ctx.call('POST', `${backend}/roles/${c.name}`, body, [204]);
        await ctx.call('POST', `${backend}/creds/${c.name}`, { stand_in: 'placeholder: the real aws engine would issue STS credentials here' }, [204]);
        ctx.standIns.push(`${ctx.address}: role stored at ${backend}/roles/${c.name} in the KV stand-in (checked like the aws engine's role validation)`);
      } else {
        await ctx.call('POST', `${backend}/roles/${c.name}`, body, [200, 204]);
      }
      return { ...c, id: `${backend}/roles/${c.name}` };
    },
  },
  vault_policy: {
    fields: ['name', 'policy'],
    async apply(ctx, c) {
      await ctx.call('PUT', `sys/policies/acl/${c.name}`, { policy: c.policy }, [204]);
      return { ...c, id: c.name };
    },
  },
  vault_approle_auth_backend_role: {
    fields: [
      'backend',
      'role_name',
      'role_id',
      'bind_secret_id',
      'secret_id_bound_cidrs',
      'secret_id_num_uses',
      'secret_id_ttl',
      'local_secret_ids',
      'token_ttl',
      'token_max_ttl',
      'token_explicit_max_ttl',
      'token_period',
      'token_policies',
      'token_bound_cidrs',
      'token_no_default_policy',
      'token_num_uses',
      'token_type',
    ],
    async apply(ctx, c) {
      const backend = String(c.backend ?? 'approle');
      const rolePath = `auth/${backend}/role/${c.role_name}`;
      // Every token_*/secret_id_*/bind_secret_id field as written, false and 0 included: they are meaningful here.
      const body: Config = {};
      for (const f of HANDLERS.vault_approle_auth_backend_role.fields) {
        if (!['backend', 'role_name', 'role_id'].includes(f) && c[f] !== undefined) body[f] = c[f];
      }
      await ctx.call('POST', rolePath, body, [204]);
      if (set(c.role_id)) await ctx.call('POST', `${rolePath}/role-id`, { role_id: c.role_id }, [204]);
      const roleId = await ctx.call('GET', `${rolePath}/role-id`, undefined, [200]);
      return { ...c, backend, role_id: roleId.body.data.role_id, id: rolePath };
    },
  },
  vault_jwt_auth_backend: {
    fields: [
      'path',
      'type',
      'description',
      'local',
      'oidc_discovery_url',
      'jwks_url',
      'jwt_validation_pubkeys',
      'bound_issuer',
      'jwt_supported_algs',
      'default_role',
    ],
    async apply(ctx, c) {
      const path = String(c.path ?? 'jwt'); // the provider's defaults: path and type jwt
      await ctx.call('POST', `sys/auth/${path}`, { type: c.type ?? 'jwt', ...pick(c, ['description', 'local']) }, [204]);
      // The provider then writes the configuration; the test's key source replaces the synthesized one (see jwtKeySource).
      const keySource = ctx.options.jwtKeySource ?? pick(c, ['oidc_discovery_url', 'jwks_url', 'jwt_validation_pubkeys']);
      const config = { bound_issuer: c.bound_issuer ?? '', ...pick(c, ['jwt_supported_algs', 'default_role']), ...keySource };
      await ctx.call('POST', `auth/${path}/config`, config, [200, 204]);
      return { ...c, path, id: path, accessor: await accessorOf(ctx, 'auth', path) };
    },
  },
  vault_jwt_auth_backend_role: {
    fields: [
      'backend',
      'role_name',
      'role_type',
      'user_claim',
      'bound_audiences',
      'bound_subject',
      'bound_claims',
      'bound_claims_type',
      'disable_bound_claims_parsing',
      'claim_mappings',
      'groups_claim',
      'token_ttl',
      'token_max_ttl',
      'token_explicit_max_ttl',
      'token_period',
      'token_policies',
      'token_bound_cidrs',
      'token_no_default_policy',
      'token_num_uses',
      'token_type',
    ],
    async apply(ctx, c) {
      const backend = String(c.backend ?? 'jwt');
      const body: Config = {};
      for (const f of HANDLERS.vault_jwt_auth_backend_role.fields) {
        if (!['backend', 'role_name', 'disable_bound_claims_parsing'].includes(f) && c[f] !== undefined) body[f] = c[f];
      }
      if (c.bound_claims !== undefined && c.disable_bound_claims_parsing !== true) {
        // The provider splits each bound claim on commas into a list, unless told not to parse them.
        body.bound_claims = Object.fromEntries(
          Object.entries(c.bound_claims as Record<string, string>).map(([k, v]) => [
            k,
            String(v)
              .split(',')
              .map((x) => x.trim()),
          ]),
        );
      }
      const rolePath = `auth/${backend}/role/${c.role_name}`;
      await ctx.call('POST', rolePath, body, [200, 204]);
      return { ...c, backend, id: rolePath };
    },
  },
  vault_kv_secret_v2: {
    fields: ['mount', 'name', 'data_json', 'data_json_wo', 'data_json_wo_version', 'cas', 'options', 'disable_read', 'delete_all_versions', 'custom_metadata'],
    async apply(ctx, c) {
      const raw = c.data_json ?? c.data_json_wo;
      let data: unknown;
      try {
        data = JSON.parse(String(raw));
      } catch (e) {
        throw new Error(`replay: ${ctx.address}: data is not JSON (${(e as Error).message}): ${String(raw)}`, { cause: e });
      }
      if (typeof data !== 'object' || data === null || Array.isArray(data))
        throw new Error(`replay: ${ctx.address}: data must be a JSON object, got ${String(raw)}`);
      const path = `${c.mount}/data/${c.name}`;
      // The provider writes the data first, then the metadata.
      await ctx.call('POST', path, { data, options: c.options ?? {}, ...(set(c.cas) ? { cas: c.cas } : {}) }, [200]);
      if (c.custom_metadata !== undefined) {
        const m = c.custom_metadata as Config;
        const known = ['max_versions', 'cas_required', 'delete_version_after', 'data'];
        const unknown = Object.keys(m).filter((k) => !known.includes(k));
        if (unknown.length > 0)
          throw new Error(`replay: ${ctx.address}: custom_metadata.${unknown.join(', ')} not known to replay.ts: teach it how the provider writes them`);
        const body = pick({ ...m, custom_metadata: m.data }, ['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata']);
        await ctx.call('POST', `${c.mount}/metadata/${c.name}`, body, [204]);
      }
      // Write-only: the value never reaches state.
      const state: Config = { ...c, path, id: path };
      delete state.data_json_wo;
      return state;
    },
  },
};

/** Meta-arguments cdktf may write beside a resource's own arguments. */
const META = new Set(['//', 'depends_on']);

const INTERPOLATION = /\$\$\{|\$\{([^}]*)\}/g;

/** Every `${…}` expression inside a value, with Terraform's `$${` escape honoured. */
function expressionsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    for (const m of value.matchAll(INTERPOLATION)) if (m[1] !== undefined) out.push(m[1].trim());
  } else if (Array.isArray(value)) {
    value.forEach((v) => expressionsIn(v, out));
  } else if (value && typeof value === 'object') {
    Object.values(value).forEach((v) => expressionsIn(v, out));
  }
  return out;
}

/** `vault_policy.fleet_x.name` → its parts; `undefined` for anything but a plain resource attribute reference. */
export function parseReference(expression: string): { type: string; name: string; attribute: string } | undefined {
  const m = /^([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)$/.exec(expression.trim());
  return m && m[1] !== 'var' && m[1] !== 'data' && m[1] !== 'local' ? { type: m[1], name: m[2], attribute: m[3] } : undefined;
}

/**
 * Applies the Vault resources of a synthesized stack through the Vault HTTP
 * API the way the Terraform Vault provider does, in dependency order. Reads
 * only the synthesized JSON, never the table.
 *
 * Every resource type and argument is checked before anything is applied: an
 * unknown `vault_*` resource or data source, an argument the replay does not
 * know how to send, or an expression it cannot resolve is an error, never
 * skipped. Resources of other providers (`aws_*`) are not Vault's and are left
 * to the IAM simulation.
 *
 * @param vault a client holding a token that may do everything (the root token)
 * @throws listing every problem at once before applying anything, or naming
 *   the resource, request and answer when Vault refuses a request
 */
export async function replayVault(stack: SynthesizedStack, vault: VaultClient, options: ReplayOptions = {}): Promise<ReplaySummary> {
  const json = stack.json;
  const problems: string[] = [];

  for (const type of Object.keys(json.data ?? {})) {
    if (type.startsWith('vault_')) problems.push(`unknown Vault resource type ${type} (a data source): teach replay.ts how the provider applies it`);
  }
  const resources = new Map<string, { type: string; name: string; config: Config }>();
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    if (!type.startsWith('vault_')) continue;
    const handler = HANDLERS[type];
    if (!handler) {
      problems.push(`unknown Vault resource type ${type}: teach replay.ts how the provider applies it`);
      continue;
    }
    for (const [name, config] of Object.entries(byName)) {
      const address = `${type}.${name}`;
      resources.set(address, { type, name, config });
      const unknown = Object.keys(config).filter((k) => !META.has(k) && !handler.fields.includes(k));
      if (unknown.length > 0) problems.push(`${address}: argument ${unknown.join(', ')} not known to replay.ts: teach it how the provider sends it`);
    }
  }

  const variables = json.variable ?? {};
  const valueOfVariable = (name: string): string | undefined => options.variables?.[name] ?? (variables[name]?.default as string | undefined);

  // Dependencies: references to other Vault resources, and depends_on.
  const deps = new Map<string, Set<string>>();
  for (const [address, { config }] of resources) {
    const needs = new Set<string>();
    const { depends_on: dependsOn, ...args } = config;
    for (const d of (dependsOn as string[] | undefined) ?? []) {
      const target = d.replace(/^\$\{|\}$/g, '');
      if (resources.has(target)) needs.add(target);
    }
    for (const expression of expressionsIn(args)) {
      const ref = parseReference(expression);
      const variable = /^var\.([A-Za-z0-9_-]+)$/.exec(expression);
      if (variable) {
        if (!(variable[1] in variables)) problems.push(`${address}: \${${expression}} names an undeclared variable`);
        else if (valueOfVariable(variable[1]) === undefined) problems.push(`${address}: variable ${variable[1]} has no default: pass it in options.variables`);
      } else if (ref && resources.has(`${ref.type}.${ref.name}`)) {
        needs.add(`${ref.type}.${ref.name}`);
      } else if (ref && ref.type === 'aws_iam_role' && ref.attribute === 'arn') {
        if (typeof json.resource?.aws_iam_role?.[ref.name]?.name !== 'string')
          problems.push(`${address}: \${${expression}} names an IAM role without a literal name`);
      } else {
        problems.push(`${address}: cannot resolve \${${expression}}: teach replay.ts what it means`);
      }
    }
    deps.set(address, needs);
  }

  // Dependency order (Kahn), ties broken by address so the order is stable.
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < resources.size) {
    const ready = [...resources.keys()].filter((a) => !done.has(a) && [...deps.get(a)!].every((d) => done.has(d))).sort();
    if (ready.length === 0) {
      problems.push(`dependency cycle among ${[...resources.keys()].filter((a) => !done.has(a)).join(', ')}`);
      break;
    }
    for (const a of ready) {
      order.push(a);
      done.add(a);
    }
  }

  if (options.jwtKeySource === undefined) {
    for (const r of [...resources.values()].filter((x) => x.type === 'vault_jwt_auth_backend')) {
      const remote = ['oidc_discovery_url', 'jwks_url']
        .map((k) => r.config[k])
        .find((u) => typeof u === 'string' && !/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/.test(u));
      if (remote !== undefined) {
        problems.push(
          `vault_jwt_auth_backend.${r.name} takes its keys from ${String(remote)}, which this machine does not reach (and whose private keys no test holds): ` +
            'pass { jwtKeySource } with a key pair of the test',
        );
      }
    }
  }

  const awsMode = options.awsSecretsEngine ?? 'require';
  const awsBackends = [...resources.values()].filter((r) => r.type === 'vault_aws_secret_backend');
  if (problems.length === 0 && awsBackends.length > 0 && awsMode === 'require') {
    const catalog = await vault.request('GET', 'sys/plugins/catalog');
    const secretPlugins: string[] = catalog.body?.data?.secret ?? [];
    if (catalog.status !== 200 || !secretPlugins.includes('aws')) {
      problems.push(
        `this server has no aws secrets engine (its plugin catalog lists no "aws" secrets plugin: ${secretPlugins.join(', ') || JSON.stringify(catalog.body)}), ` +
          `so ${awsBackends.map((r) => `vault_aws_secret_backend.${r.name}`).join(', ')} cannot be applied as the provider would. ` +
          "OpenBao ships no aws engine; pass { awsSecretsEngine: 'kv-stand-in' } to prove the policy paths against a KV stand-in",
      );
    }
  }
  if (problems.length > 0) throw new Error(`replay of stack ${stack.name} refused; nothing was applied:\n- ${problems.join('\n- ')}`);

  const state: Record<string, Config> = {};
  const resolveExpression = (address: string, expression: string): unknown => {
    const variable = /^var\.([A-Za-z0-9_-]+)$/.exec(expression);
    if (variable) return valueOfVariable(variable[1]);
    const ref = parseReference(expression)!;
    if (ref.type === 'aws_iam_role') {
      // The AWS side does not exist here: the role's ARN is what AWS would give
      // a role of that name in a placeholder account (000000000000).
      return `arn:aws:iam::000000000000:role/${json.resource!.aws_iam_role[ref.name].name}`;
    }
    const attributes = state[`${ref.type}.${ref.name}`];
    if (!(ref.attribute in attributes))
      throw new Error(`replay: ${address}: \${${expression}}: ${ref.type}.${ref.name} has no attribute ${ref.attribute} in the replayed state`);
    return attributes[ref.attribute];
  };
  const resolve = (address: string, value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = /^\$\{([^}]*)\}$/.exec(value);
      if (whole) return resolveExpression(address, whole[1].trim());
      return value.replace(INTERPOLATION, (_match, expression: string | undefined) =>
        expression === undefined ? '${' : String(resolveExpression(address, expression.trim())),
      );
    }
    if (Array.isArray(value)) return value.map((v) => resolve(address, v));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(address, v)]));
    return value;
  };

  const applied: Record<string, number> = {};
  const standIns: string[] = [];
  const standInMounts = new Set<string>();
  for (const address of order) {
    const { type, config } = resources.get(address)!;
    const args = Object.fromEntries(Object.entries(config).filter(([k]) => !META.has(k)));
    const ctx: ApplyContext = {
      vault,
      address,
      options,
      standInMounts,
      standIns,
      async call(method, path, body, expected) {
        const res = await vault.request(method, path, { body });
        if (!expected.includes(res.status)) {
          throw new Error(
            `replay: ${address}: ${method} ${path} answered ${res.status} (expected ${expected.join(' or ')}): ${JSON.stringify(res.body)}\nsent: ${JSON.stringify(body)}`,
          );
        }
        return res;
      },
    };
    state[address] = await HANDLERS[type].apply(ctx, resolve(address, args) as Config);
    applied[type] = (applied[type] ?? 0) + 1;
  }
  return { applied, standIns, state };
}
