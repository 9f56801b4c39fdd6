/**
 * Proof on a real OpenBao server that what we synthesize does what the table
 * says: every agent's real AppRole login may do exactly what its synthesized
 * policy grants, is denied (HTTP 403) a generated set of neighbouring paths,
 * and gets tokens with the table's TTLs, policies and bound CIDRs.
 *
 * Probes are generated from the synthesized JSON (policies, KV entries, AppRole
 * and AWS roles) and the list of agents, so a grant that changes changes the
 * probes, and a grant that breaks fails a test named after the agent and path.
 * The table (via the model) is read only for what it promises: TTLs, bound
 * CIDRs and each entry's scopes.
 *
 * The fleet's own AppRole roles (`scoped-agents-revoke`, `scoped-agents-rotate`)
 * are not agents: they are proven apart, at the end, to reach only the
 * fleet's agents — each agent's secret-id paths and policy, the agents' KV
 * subtree and the fleet's revocation markers — plus the token-accessor
 * endpoints, which Vault cannot scope to an owner.
 */
import { execFileSync } from 'child_process';
import { mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { AGENT_PREFIX, Agent, Fleet, githubVaultAudience, parseVaultPolicy } from '../../model';
import { TableFiles } from '../../table';
import { githubTokenIssuer } from '../support/github-oidc';
import { OpenBaoServer, startOpenBao } from '../support/openbao';
import { parseReference, replayVault } from '../support/replay';
import { PROOF_TABLES, SynthesizedStack } from '../support/synthesized';
import { expectStatus, VaultClient, vaultClient, VaultMethod, VaultResponse } from '../support/vault-client';

const ROOT = resolve(__dirname, '..', '..');

// ---------------------------------------------------------------------------
// Synthesis, at collection time.
// ---------------------------------------------------------------------------

/**
 * Jest names tests synchronously, but `synthesizeTable` and `loadFleet` are
 * async; so both run in a child node process (tsx compiles the TypeScript),
 * exactly as the other proofs call them, and hand back their JSON.
 */
function synthesizeNow(files: TableFiles): { stack: SynthesizedStack; fleet: Fleet } {
  const script = `
    const { synthesizeTable } = require('./test/support/synthesized.ts');
    const { loadFleet } = require('./table');
    const files = ${JSON.stringify(files)};
    Promise.all([synthesizeTable(files), loadFleet(files)]).then(
      ([synthesized, fleet]) => process.stdout.write(JSON.stringify({ stacks: synthesized.stacks, fleet })),
      (e) => { console.error(e); process.exit(1); },
    );`;
  const out = execFileSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const { stacks, fleet } = JSON.parse(out) as { stacks: SynthesizedStack[]; fleet: Fleet };
  if (stacks.length !== 1) throw new Error(`expected one stack, got ${stacks.map((s) => s.name).join(', ')}`);
  return { stack: stacks[0], fleet };
}

type Resources = Record<string, Record<string, unknown>>;
const resourcesOf = (stack: SynthesizedStack, type: string): Resources => (stack.json.resource?.[type] ?? {}) as Resources;

/** A literal, or a `${type.name.attr}` reference to another resource's literal argument. */
function literal(stack: SynthesizedStack, value: unknown): string {
  const m = typeof value === 'string' ? /^\$\{([^}]*)\}$/.exec(value) : null;
  if (!m) return String(value);
  const ref = parseReference(m[1]);
  const target = ref && stack.json.resource?.[ref.type]?.[ref.name]?.[ref.attribute];
  if (target === undefined) throw new Error(`cannot read ${value} from the synthesized stack`);
  return literal(stack, target);
}

interface Rule {
  readonly path: string;
  readonly capabilities: readonly string[];
}

/** One agent as the synthesized JSON describes it. */
interface AgentView {
  readonly name: string;
  readonly roleName: string;
  readonly policyName: string;
  readonly policy: string;
  readonly rules: readonly Rule[];
  /** `secret_id_bound_cidrs` (AppRole) or `token_bound_cidrs` (JWT) as synthesized. */
  readonly boundCidrs: readonly string[];
  /** How it logs in: an AppRole role, or a JWT role for GitHub's OIDC tokens (github-actions agents). */
  readonly login: 'approle' | 'jwt';
  /** Path of the auth backend its role is in. */
  readonly mount: string;
}

/** One KV v2 entry as synthesized. */
interface EntryView {
  readonly mount: string;
  readonly name: string;
  readonly dataPath: string;
  readonly metadataPath: string;
  /** The variable its write-only data comes from. */
  readonly variable: string;
}

/** One of the fleet's functions as the synthesized JSON describes its Vault login. */
interface FunctionView {
  readonly role: 'revoke' | 'rotate' | 'gateway';
  readonly roleName: string;
  readonly policyName: string;
  readonly policy: string;
  readonly rules: readonly Rule[];
  readonly tokenTtl: number;
  readonly tokenMaxTtl: number;
}

interface StackView {
  readonly agents: readonly AgentView[];
  readonly functions: readonly FunctionView[];
  readonly entries: readonly EntryView[];
  readonly kvMounts: readonly string[];
  readonly appRoleMount: string;
  /** Path of the JWT backend for GitHub's OIDC tokens, when a github-actions agent exists. */
  readonly jwtMount?: string;
  readonly awsMount?: string;
  readonly awsRoles: readonly string[];
}

/** The functions' AppRole role names, by function. */
const FUNCTION_ROLES = { 'scoped-agents-revoke': 'revoke', 'scoped-agents-rotate': 'rotate', 'scoped-agents-gateway': 'gateway' } as const;

function viewOf(stack: SynthesizedStack): StackView {
  const policies = resourcesOf(stack, 'vault_policy');
  const roles = Object.values(resourcesOf(stack, 'vault_approle_auth_backend_role'));
  const policyOf = (role: Record<string, unknown>): { ref: string; policy: string } => {
    const roleName = String(role.role_name);
    const refs = role.token_policies as string[];
    if (refs.length !== 1) throw new Error(`${roleName}: expected exactly one token policy, got ${refs.join(', ')}`);
    const policyRef = parseReference(refs[0].replace(/^\$\{|\}$/g, ''));
    const policyResource = policyRef && policies[policyRef.name];
    if (!policyResource) throw new Error(`${roleName}: token policy ${refs[0]} is not a synthesized vault_policy`);
    return { ref: refs[0], policy: String(policyResource.policy) };
  };
  const functions = roles
    .filter((role) => !String(role.role_name).startsWith(AGENT_PREFIX))
    .map((role): FunctionView => {
      const roleName = String(role.role_name);
      if (!(roleName in FUNCTION_ROLES)) throw new Error(`AppRole role ${roleName} is neither an agent's (${AGENT_PREFIX}*) nor one of the fleet's functions`);
      const { ref, policy } = policyOf(role);
      return {
        role: FUNCTION_ROLES[roleName as keyof typeof FUNCTION_ROLES],
        roleName,
        policyName: literal(stack, ref),
        policy,
        rules: parseVaultPolicy(policy),
        tokenTtl: Number(role.token_ttl),
        tokenMaxTtl: Number(role.token_max_ttl),
      };
    });
  const appRoles = Object.values(resourcesOf(stack, 'vault_auth_backend')).filter((b) => b.type === 'approle');
  if (appRoles.length !== 1) throw new Error(`expected one AppRole backend, got ${appRoles.length}`);
  const appRoleMount = String(appRoles[0].path ?? 'approle');
  const jwtBackends = Object.values(resourcesOf(stack, 'vault_jwt_auth_backend'));
  if (jwtBackends.length > 1) throw new Error(`expected at most one JWT backend, got ${jwtBackends.length}`);
  const jwtMount = jwtBackends.length === 1 ? String(jwtBackends[0].path ?? 'jwt') : undefined;
  const agentView = (role: Record<string, unknown>, login: AgentView['login']): AgentView => {
    const roleName = String(role.role_name);
    const { ref, policy } = policyOf(role);
    const refs = [ref];
    return {
      name: roleName.slice(AGENT_PREFIX.length),
      roleName,
      policyName: literal(stack, refs[0]),
      policy,
      rules: parseVaultPolicy(policy),
      boundCidrs: ((login === 'approle' ? role.secret_id_bound_cidrs : role.token_bound_cidrs) as string[] | undefined) ?? [],
      login,
      mount: login === 'approle' ? appRoleMount : jwtMount!,
    };
  };
  const agents = [
    ...roles.filter((role) => String(role.role_name).startsWith(AGENT_PREFIX)).map((role) => agentView(role, 'approle')),
    ...Object.values(resourcesOf(stack, 'vault_jwt_auth_backend_role')).map((role) => agentView(role, 'jwt')),
  ];
  const entries = Object.values(resourcesOf(stack, 'vault_kv_secret_v2')).map((e): EntryView => {
    const mount = literal(stack, e.mount);
    const name = String(e.name);
    const variable = /^\$\{var\.([A-Za-z0-9_-]+)\}$/.exec(String(e.data_json_wo ?? ''));
    if (!variable) throw new Error(`KV entry ${name}: expected its data from a variable, got ${String(e.data_json_wo)}`);
    return { mount, name, dataPath: `${mount}/data/${name}`, metadataPath: `${mount}/metadata/${name}`, variable: variable[1] };
  });
  const kvMounts = Object.values(resourcesOf(stack, 'vault_mount'))
    .filter((m) => m.type === 'kv' && (m.options as Record<string, string> | undefined)?.version === '2')
    .map((m) => String(m.path));
  const aws = Object.values(resourcesOf(stack, 'vault_aws_secret_backend'));
  return {
    agents: agents.sort((a, b) => a.name.localeCompare(b.name)),
    functions: functions.sort((a, b) => a.role.localeCompare(b.role)),
    entries,
    kvMounts,
    appRoleMount,
    jwtMount,
    awsMount: aws.length > 0 ? String(aws[0].path ?? 'aws') : undefined,
    awsRoles: Object.values(resourcesOf(stack, 'vault_aws_secret_backend_role')).map((r) => String(r.name)),
  };
}

// ---------------------------------------------------------------------------
// Probes.
// ---------------------------------------------------------------------------

const METHOD_CAPABILITIES: Record<Exclude<VaultMethod, 'PUT'>, readonly string[]> = {
  GET: ['read'],
  LIST: ['list'],
  // Vault decides create or update by whether the path exists: either grants a write.
  POST: ['create', 'update'],
  DELETE: ['delete'],
  PATCH: ['patch'],
};
const METHODS = Object.keys(METHOD_CAPABILITIES) as (keyof typeof METHOD_CAPABILITIES)[];
const CAPABILITY_METHOD: Record<string, keyof typeof METHOD_CAPABILITIES> = {
  read: 'GET',
  list: 'LIST',
  create: 'POST',
  update: 'POST',
  delete: 'DELETE',
  patch: 'PATCH',
};

/** Paths every token may use on itself; they get no sibling probes. */
const SELF_SERVICE = /^auth\/token\/[a-z-]+-self$/;

interface Probe {
  readonly title: string;
  readonly agent: string;
  readonly method: VaultMethod;
  readonly path: string;
  /** The capability proven (grants only). */
  readonly capability?: string;
}

function allows(rules: readonly Rule[], method: VaultMethod, path: string): boolean {
  const caps = method === 'PUT' ? METHOD_CAPABILITIES.POST : METHOD_CAPABILITIES[method];
  return rules.some((r) => r.path === path && r.capabilities.some((c) => caps.includes(c)));
}

const parent = (path: string): string => path.slice(0, path.lastIndexOf('/'));

/** `<mount>/data/<rest>` under a KV v2 mount (the stack's, or the dev server's `secret/`). */
function kvData(view: StackView, path: string): { mount: string; rest: string } | undefined {
  const m = /^([^/]+)\/data\/(.+)$/.exec(path);
  return m && [...view.kvMounts, USER_KV_MOUNT].includes(m[1]) ? { mount: m[1], rest: m[2] } : undefined;
}

/**
 * What the table says the agent may do in Vault, written down from the design
 * rather than taken from `model/vault-policy.ts`, so that a grant the
 * translation adds or drops shows up on the server: a `secret:` scope reads its
 * own entry (unless the credential is kept in AWS), a `vault:` scope its path,
 * brokered `aws:` scopes and credentials kept in AWS read the agent's own AWS
 * role, and every token may look itself up and renew itself (tokens carry no
 * `default` policy).
 */
function tableRules(agent: Agent, fleet: Fleet): Rule[] {
  const { settings, credentials } = fleet;
  const rules: Rule[] = [
    { path: 'auth/token/lookup-self', capabilities: ['read'] },
    { path: 'auth/token/renew-self', capabilities: ['update'] },
  ];
  // A credential kept in AWS is read with an AWS session from Vault's AWS engine, not from KV.
  const inAws = (secret: string): boolean => credentials[secret]?.store === 'aws';
  // A credential the gateway injects for an agent calling through it (every scope naming it grants endpoints) is not the agent's to read.
  const viaGateway = (secret: string): boolean =>
    agent.gateway && agent.scopes.filter((s) => s.kind === 'secret' && s.secret === secret).every((s) => s.kind === 'secret' && s.http !== undefined);
  for (const scope of agent.scopes) {
    if (scope.kind === 'secret' && !inAws(scope.secret) && !viaGateway(scope.secret))
      rules.push({ path: `${settings.kvMount}/data/agents/${agent.name}/${scope.secret}`, capabilities: ['read'] });
    if (scope.kind === 'vault') rules.push({ path: scope.path, capabilities: scope.capabilities });
    const needsAws = scope.kind === 'aws' || (scope.kind === 'secret' && inAws(scope.secret) && !viaGateway(scope.secret));
    // A github-actions agent reaches AWS with its workflow's OIDC token, not through Vault.
    if (needsAws && agent.awsPrincipal === undefined && agent.platform !== 'github-actions')
      rules.push({ path: `${settings.awsMount}/creds/${AGENT_PREFIX}${agent.name}`, capabilities: ['read'] });
  }
  const byPath = new Map<string, Set<string>>();
  for (const r of rules) byPath.set(r.path, new Set([...(byPath.get(r.path) ?? []), ...r.capabilities]));
  return [...byPath.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, caps]) => ({ path, capabilities: [...caps].sort() }));
}

/**
 * One probe per capability of the agent's synthesized policy, and of what the
 * table says it may do (the same set, unless the translation is wrong).
 */
function grantsOf(agent: AgentView, expected: readonly Rule[]): Probe[] {
  const out = new Map<string, Probe>();
  for (const rule of [...agent.rules, ...expected]) {
    for (const capability of rule.capabilities) {
      const method = CAPABILITY_METHOD[capability];
      if (!method) throw new Error(`${agent.name}: capability ${capability} on ${rule.path}: teach the proof which request exercises it`);
      const title = `${agent.name} may ${capability} ${rule.path}`;
      out.set(title, { title, agent: agent.name, method, path: rule.path, capability });
    }
  }
  return [...out.values()].sort((a, b) => a.title.localeCompare(b.title));
}

/**
 * The neighbours of what the agent may do, every one of which must be denied.
 * Generated from the synthesized stack; only what the table grants is left out,
 * so a capability the synthesized policy adds is probed, and fails.
 */
function denialsOf(view: StackView, agent: AgentView, expected: readonly Rule[]): Probe[] {
  const out = new Map<string, Probe>();
  const deny = (method: VaultMethod, path: string): void => {
    if (allows(expected, method, path)) return;
    out.set(`${method} ${path}`, { title: `${agent.name} is denied ${method} ${path}`, agent: agent.name, method, path });
  };
  const others = view.agents.filter((a) => a.name !== agent.name);

  for (const rule of [...agent.rules, ...expected]) {
    // The same path with every capability it was not granted.
    for (const method of METHODS) deny(method, rule.path);
    if (SELF_SERVICE.test(rule.path)) continue;
    // Siblings and the parent.
    for (const c of rule.capabilities) deny(CAPABILITY_METHOD[c], `${rule.path}-x`);
    deny('GET', parent(rule.path));
    deny('LIST', parent(rule.path));
    // A KV v2 entry's other faces: metadata, listing, deleting, destroying.
    const kv = kvData(view, rule.path);
    if (kv) {
      deny('GET', `${kv.mount}/metadata/${kv.rest}`);
      deny('DELETE', `${kv.mount}/metadata/${kv.rest}`);
      deny('LIST', `${kv.mount}/metadata/${parent(kv.rest)}`);
      deny('POST', `${kv.mount}/delete/${kv.rest}`);
      deny('POST', `${kv.mount}/destroy/${kv.rest}`);
      deny('POST', `${kv.mount}/undelete/${kv.rest}`);
    }
  }
  // Every entry the table did not give it.
  for (const entry of view.entries) {
    if (expected.some((r) => r.path === entry.dataPath)) continue;
    deny('GET', entry.dataPath);
    deny('GET', entry.metadataPath);
    deny('LIST', `${entry.mount}/metadata/${parent(entry.name)}`);
  }
  // Everything the other agents were granted and it was not.
  for (const other of others) {
    for (const rule of other.rules) for (const c of rule.capabilities) deny(CAPABILITY_METHOD[c], rule.path);
    deny('GET', `auth/${view.appRoleMount}/role/${other.roleName}/role-id`);
    if (view.jwtMount) deny('POST', `auth/${view.jwtMount}/role/${other.roleName}`);
    deny('POST', `auth/${view.appRoleMount}/role/${other.roleName}/secret-id`);
    deny('GET', `sys/policies/acl/${other.policyName}`);
  }
  // The fleet's functions' logins and policies.
  for (const fn of view.functions) {
    deny('GET', `auth/${view.appRoleMount}/role/${fn.roleName}/role-id`);
    deny('POST', `auth/${view.appRoleMount}/role/${fn.roleName}/secret-id`);
    deny('GET', `sys/policies/acl/${fn.policyName}`);
  }
  // Its own identity: it may not read its role, mint its own secret-ids, or rewrite its policy.
  deny('GET', `auth/${view.appRoleMount}/role/${agent.roleName}`);
  deny('GET', `auth/${view.appRoleMount}/role/${agent.roleName}/role-id`);
  deny('POST', `auth/${view.appRoleMount}/role/${agent.roleName}/secret-id`);
  deny('LIST', `auth/${view.appRoleMount}/role`);
  if (view.jwtMount) {
    // The JWT backend: the keys and issuer it trusts, and every role's bindings, its own included.
    deny('GET', `auth/${view.jwtMount}/config`);
    deny('POST', `auth/${view.jwtMount}/config`);
    deny('LIST', `auth/${view.jwtMount}/role`);
    deny('GET', `auth/${view.jwtMount}/role/${agent.roleName}`);
    deny('POST', `auth/${view.jwtMount}/role/${agent.roleName}`);
  }
  deny('GET', `sys/policies/acl/${agent.policyName}`);
  deny('PUT', `sys/policies/acl/${agent.policyName}`);
  // The system backend and the token store.
  deny('GET', 'sys/mounts');
  deny('LIST', 'sys/policies/acl');
  deny('GET', 'sys/auth');
  deny('GET', 'sys/audit');
  deny('POST', 'auth/token/create');
  deny('POST', 'auth/token/lookup');
  deny('LIST', 'auth/token/accessors');
  // What Vault's `default` policy would grant: the tokens must not carry it.
  deny('POST', 'sys/capabilities-self');
  deny('GET', 'sys/internal/ui/resultant-acl');
  deny('POST', 'sys/tools/hash');
  deny('POST', 'sys/wrapping/wrap');
  deny('POST', `cubbyhole/${agent.name}`);
  // Every AWS role's credentials (through creds/ and sts/), and the engine's configuration.
  if (view.awsMount) {
    for (const role of view.awsRoles) {
      deny('GET', `${view.awsMount}/creds/${role}`);
      deny('GET', `${view.awsMount}/sts/${role}`);
      deny('POST', `${view.awsMount}/sts/${role}`);
      deny('GET', `${view.awsMount}/roles/${role}`);
    }
    deny('GET', `${view.awsMount}/config/root`);
  }
  return [...out.values()].sort((a, b) => a.title.localeCompare(b.title));
}

// ---------------------------------------------------------------------------
// The user's own engines.
// ---------------------------------------------------------------------------

/** The dev server's own KV v2 mount. */
const USER_KV_MOUNT = 'secret';
const TRANSIT = /^([^/]+)\/(encrypt|decrypt)\/([^/]+)$/;

/** What a `vault:` scope points at that the stack does not manage (the user's own engines). */
function usersPaths(view: StackView): string[] {
  const managed = [...view.kvMounts, view.awsMount].filter((m): m is string => m !== undefined);
  const paths = view.agents.flatMap((a) => a.rules.map((r) => r.path));
  return [...new Set(paths)].filter((p) => !p.startsWith('auth/') && !managed.includes(p.split('/')[0])).sort();
}

interface UsersEngines {
  /** KV v2 data path → the value written there. */
  readonly kvValues: Map<string, unknown>;
  /** `<transit mount>/<key>` → a ciphertext of {@link PLAINTEXT} under that key. */
  readonly ciphertexts: Map<string, string>;
}
const PLAINTEXT = Buffer.from('quarterly report').toString('base64');

/**
 * Sets up, as root, what the table's `vault:` scopes point at but the stack
 * does not manage: these are the user's own engines (here a transit key, and
 * an entry in the dev server's KV v2 mount `secret/`). Only what a path names
 * is created; a path of any other shape is an error, never skipped.
 */
async function setUpUsersEngines(root: VaultClient, view: StackView): Promise<UsersEngines> {
  const engines: UsersEngines = { kvValues: new Map(), ciphertexts: new Map() };
  const mounts = expectStatus(await root.request('GET', 'sys/mounts'), 200, 'list mounts').body.data;
  if (mounts[`${USER_KV_MOUNT}/`]?.options?.version !== '2')
    throw new Error(`the dev server's ${USER_KV_MOUNT}/ is not KV v2: ${JSON.stringify(mounts[`${USER_KV_MOUNT}/`])}`);
  for (const path of usersPaths(view)) {
    const transit = TRANSIT.exec(path);
    const kv = kvData(view, path);
    if (transit) {
      const [, mount, , key] = transit;
      if (!mounts[`${mount}/`]) {
        expectStatus(await root.request('POST', `sys/mounts/${mount}`, { body: { type: 'transit' } }), 204, `mount transit at ${mount}/`);
        mounts[`${mount}/`] = { type: 'transit' };
      }
      if (!engines.ciphertexts.has(`${mount}/${key}`)) {
        expectStatus(await root.request('POST', `${mount}/keys/${key}`, { body: {} }), [200, 204], `create transit key ${key}`);
        const enc = expectStatus(await root.request('POST', `${mount}/encrypt/${key}`, { body: { plaintext: PLAINTEXT } }), 200, `encrypt with ${key}`);
        engines.ciphertexts.set(`${mount}/${key}`, enc.body.data.ciphertext);
      }
    } else if (kv && kv.mount === USER_KV_MOUNT) {
      const value = { note: `written by the proof at ${path}` };
      expectStatus(await root.request('POST', path, { body: { data: value } }), 200, `write ${path}`);
      engines.kvValues.set(path, value);
    } else if (path.startsWith(`${USER_KV_MOUNT}/metadata/`)) {
      // A listing grant: it lists the entries the data grants above (or below) write.
    } else {
      throw new Error(`the proof does not know how to set up ${path}, which a vault: scope grants: teach setUpUsersEngines`);
    }
  }
  return engines;
}

// ---------------------------------------------------------------------------
// The fleet's functions.
// ---------------------------------------------------------------------------

/**
 * Token-store endpoints the revoke function needs to find and revoke an
 * agent's live tokens. Vault's ACLs cannot scope them to a token's owner: with
 * them the function may look up and revoke any token by its accessor (a power
 * to cut off, not to gain access). Every other path of the functions is an
 * agent's.
 */
const TOKEN_ACCESSOR_PATHS = ['auth/token/accessors', 'auth/token/lookup-accessor', 'auth/token/revoke-accessor'];

/**
 * What each function may do in Vault, written down from the design rather
 * than taken from model/operations.ts: for each agent of the fleet, revoke may
 * list and destroy its secret-ids and read and replace its policy; rotate may
 * read its role-id, issue, list, look up and destroy its secret-ids. Neither
 * may touch an agent's role configuration (its policies, its role-id) nor any
 * role or policy that is not an agent's. Revoke records revocations; rotate
 * reads them, and writes the agents' KV entries. The gateway reads, for each
 * agent calling through it, the entry of each credential every scope of which
 * grants endpoints (the agent no longer reads it), and that agent's marker.
 */
function functionRules(role: 'revoke' | 'rotate' | 'gateway', fleet: Fleet): Rule[] {
  const { appRoleMount: m, kvMount: kv } = fleet.settings;
  const agents = fleet.agents.map((a) => `${AGENT_PREFIX}${a.name}`);
  if (role === 'gateway') {
    return fleet.agents
      .filter((a) => a.gateway)
      .flatMap((a) => {
        const secretScopes = a.scopes.flatMap((sc) => (sc.kind === 'secret' ? [sc] : []));
        const injected = [...new Set(secretScopes.map((sc) => sc.secret))].filter((secret) =>
          secretScopes.filter((sc) => sc.secret === secret).every((sc) => sc.http !== undefined),
        );
        return [
          ...injected.map((secret) => ({ path: `${kv}/data/agents/${a.name}/${secret}`, capabilities: ['read'] })),
          { path: `${kv}/data/control/revoked/${a.name}`, capabilities: ['read'] },
        ];
      })
      .sort((x, y) => x.path.localeCompare(y.path));
  }
  const rules: Rule[] =
    role === 'revoke'
      ? [
          ...agents.flatMap((a) => [
            { path: `auth/${m}/role/${a}/secret-id`, capabilities: ['list'] },
            { path: `auth/${m}/role/${a}/secret-id-accessor/destroy`, capabilities: ['update'] },
            { path: `sys/policies/acl/${a}`, capabilities: ['read', 'update'] },
          ]),
          { path: 'auth/token/accessors', capabilities: ['list', 'sudo'] },
          { path: 'auth/token/lookup-accessor', capabilities: ['update'] },
          { path: 'auth/token/revoke-accessor', capabilities: ['update'] },
          { path: `${kv}/data/control/revoked/*`, capabilities: ['create', 'read', 'update'] },
          // To revoke them at the provider: the agents' credentials, and the management credentials some providers need.
          { path: `${kv}/data/agents/*`, capabilities: ['read'] },
          { path: `${kv}/data/management/*`, capabilities: ['read'] },
        ]
      : [
          ...agents.flatMap((a) => [
            { path: `auth/${m}/role/${a}/role-id`, capabilities: ['read'] },
            { path: `auth/${m}/role/${a}/secret-id`, capabilities: ['list', 'update'] },
            { path: `auth/${m}/role/${a}/secret-id-accessor/destroy`, capabilities: ['update'] },
            { path: `auth/${m}/role/${a}/secret-id-accessor/lookup`, capabilities: ['update'] },
          ]),
          { path: `${kv}/data/agents/*`, capabilities: ['create', 'read', 'update'] },
          { path: `${kv}/metadata/agents/*`, capabilities: ['read'] },
          { path: `${kv}/data/control/revoked/*`, capabilities: ['read'] },
          { path: `${kv}/data/management/*`, capabilities: ['read'] },
        ];
  return rules.sort((a, b) => a.path.localeCompare(b.path));
}

/** Why a path of a function's policy is an agent's, or `undefined` when it is not. */
function agentsPath(path: string, fleet: Fleet): string | undefined {
  const { appRoleMount: m, kvMount: kv } = fleet.settings;
  const agent = fleet.agents.find((a) => path.startsWith(`auth/${m}/role/${AGENT_PREFIX}${a.name}/`) || path === `sys/policies/acl/${AGENT_PREFIX}${a.name}`);
  if (agent) return `agent ${agent.name}`;
  if (path === `${kv}/data/agents/*` || path === `${kv}/metadata/agents/*`) return "the agents' KV entries";
  if (path === `${kv}/data/control/revoked/*`) return 'revocation markers';
  if (path === `${kv}/data/management/*`) return "the fleet's management credentials (never an agent's)";
  const own = fleet.agents.find((a) => path === `${kv}/data/control/revoked/${a.name}` || path.startsWith(`${kv}/data/agents/${a.name}/`));
  if (own) return `agent ${own.name}'s entry or marker`;
  if (TOKEN_ACCESSOR_PATHS.includes(path)) return 'token accessors (not scopable to an owner)';
  return undefined;
}

// ---------------------------------------------------------------------------
// The tables.
// ---------------------------------------------------------------------------

/** A few exact assertions, written by hand, that do not depend on the generator. */
const EXACT: Record<string, readonly { title: string; agent: string; method: VaultMethod; path: string; status: number }[]> = {
  'seed (agents.yaml)': [
    {
      title: 'lead-enricher is denied its own hubspot entry: the gateway holds it',
      agent: 'lead-enricher',
      method: 'GET',
      path: 'kv/data/agents/lead-enricher/hubspot',
      status: 403,
    },
    {
      title: "email-notifier is denied lead-enricher's hubspot entry",
      agent: 'email-notifier',
      method: 'GET',
      path: 'kv/data/agents/lead-enricher/hubspot',
      status: 403,
    },
    {
      title: 'invoice-summarizer gets its AWS session path',
      agent: 'invoice-summarizer',
      method: 'GET',
      path: 'aws/creds/agent-invoice-summarizer',
      status: 200,
    },
    {
      title: "lead-enricher is denied invoice-summarizer's AWS session",
      agent: 'lead-enricher',
      method: 'GET',
      path: 'aws/creds/agent-invoice-summarizer',
      status: 403,
    },
  ],
  'fixture (test/fixtures/fleet.yaml)': [
    { title: "ticket-triager is denied report-writer's transit key", agent: 'ticket-triager', method: 'POST', path: 'transit/encrypt/reports', status: 403 },
    {
      title: "report-writer is denied ticket-triager's jira entry",
      agent: 'report-writer',
      method: 'GET',
      path: 'agent-secrets/data/agents/ticket-triager/jira',
      status: 403,
    },
  ],
};

/**
 * GitHub's OIDC token service, stood in for by a key pair of this run: the
 * replay points the JWT backend at its public key (only the key source
 * changes), and github-actions agents log in with tokens it signs for their
 * own repository and environment.
 */
const GITHUB = githubTokenIssuer();

const PROOFS = PROOF_TABLES.map((table) => {
  const { stack, fleet } = synthesizeNow(table.files);
  const view = viewOf(stack);
  // Each entry gets a distinct first value, as TF_VAR_seed__… would set it, so a read proves which entry it got.
  const variables = Object.fromEntries(view.entries.map((e) => [e.variable, JSON.stringify({ token: `seeded-${e.variable}` })]));
  const agents = view.agents.map((agent) => {
    const row = fleet.agents.find((a) => a.name === agent.name);
    if (!row) throw new Error(`agent ${agent.name} is synthesized but not in the table`);
    const expected = tableRules(row, fleet);
    // What the table promises about where it logs in from: a CIDR the synthesis drops must fail the refusal tests.
    return { ...agent, expected, tableCidrs: row.boundCidrs, grants: grantsOf(agent, expected), denials: denialsOf(view, agent, expected) };
  });
  return { ...table, stack, fleet, view, variables, agents, exact: EXACT[table.label] ?? [] };
});

/** The first host address of an IPv4 CIDR (`10.20.0.0/16` → `10.20.0.1`). */
function hostIn(cidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`the proof handles IPv4 CIDRs only, got ${cidr}`);
  const ip = m.slice(1, 5).reduce((n, o) => n * 256 + Number(o), 0);
  const bits = Number(m[5]);
  const network = bits === 0 ? 0 : Math.floor(ip / 2 ** (32 - bits)) * 2 ** (32 - bits);
  const host = bits >= 31 ? network : network + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(host / 2 ** s) % 256).join('.');
}

interface Session {
  /** The login response's `auth` block. */
  readonly auth: { client_token: string; lease_duration: number; policies: string[]; token_policies: string[]; token_type: string };
  /** The agent's client: its token, and its source address when it has bound CIDRs. */
  readonly client: VaultClient;
  readonly from: string;
}

describe.each(PROOFS)('$label on a real OpenBao', (proof) => {
  const { view, fleet } = proof;
  let server: OpenBaoServer;
  let root: VaultClient;
  let engines: UsersEngines;
  const sessions = new Map<string, Promise<Session>>();

  beforeAll(async () => {
    // A fresh server per table: each table starts from empty state.
    server = await startOpenBao({ trustForwardedFor: true, allowApiAuditDevices: true });
    root = vaultClient(server.addr, { token: server.rootToken });
    engines = await setUpUsersEngines(root, view);
    await replayVault(proof.stack, root, {
      variables: proof.variables,
      awsSecretsEngine: 'kv-stand-in',
      auditFilePath: join(mkdtempSync(join(tmpdir(), 'scoped-agents-audit-')), 'audit.log'),
      jwtKeySource: { jwt_validation_pubkeys: [GITHUB.publicKeyPem] },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const tableAgent = (name: string): Agent => {
    const agent = fleet.agents.find((a) => a.name === name);
    if (!agent) throw new Error(`agent ${name} is synthesized but not in the table`);
    return agent;
  };
  const agentOf = (name: string): (typeof proof.agents)[number] => proof.agents.find((a) => a.name === name)!;

  /** The agent's role-id and a fresh secret-id, read and minted as root. */
  async function credentials(agent: AgentView): Promise<{ role_id: string; secret_id: string }> {
    const base = `auth/${view.appRoleMount}/role/${agent.roleName}`;
    const roleId = expectStatus(await root.request('GET', `${base}/role-id`), 200, `read ${agent.roleName} role-id`);
    const secretId = expectStatus(await root.request('POST', `${base}/secret-id`, { body: {} }), 200, `mint ${agent.roleName} secret-id`);
    return { role_id: roleId.body.data.role_id, secret_id: secretId.body.data.secret_id };
  }

  /** A GitHub-shaped OIDC token of a github-actions agent's own repository and environment, for the fleet's Vault audience. */
  function githubToken(agent: AgentView): string {
    const github = tableAgent(agent.name).github!;
    return GITHUB.sign(GITHUB.claims(github.repository, github.environment, githubVaultAudience(fleet.settings)));
  }

  /** Logs the agent in once (AppRole, or JWT for github-actions), from inside the table's bound CIDRs when it has them. */
  function session(name: string): Promise<Session> {
    if (!sessions.has(name)) {
      sessions.set(
        name,
        (async () => {
          const agent = agentOf(name);
          const from = agent.tableCidrs.length > 0 ? hostIn(agent.tableCidrs[0]) : '127.0.0.1';
          const anonymous =
            agent.tableCidrs.length > 0 ? vaultClient(server.forwardedAddr!, { headers: { 'X-Forwarded-For': from } }) : vaultClient(server.addr);
          const body = agent.login === 'approle' ? await credentials(agent) : { role: agent.roleName, jwt: githubToken(agent) };
          const login = await anonymous.request('POST', `auth/${agent.mount}/login`, { body });
          expectStatus(login, 200, `${name} logs in from ${from}`);
          return { auth: login.body.auth, client: anonymous.with({ token: login.body.auth.client_token }), from };
        })(),
      );
    }
    return sessions.get(name)!;
  }

  /** A valid body for a write, so that an answer is about the grant, not the request. */
  function bodyFor(method: VaultMethod, path: string): unknown {
    if (method === 'GET' || method === 'LIST' || method === 'DELETE') return undefined;
    const transit = TRANSIT.exec(path);
    if (transit && transit[2] === 'encrypt') return { plaintext: PLAINTEXT };
    if (transit && transit[2] === 'decrypt') return { ciphertext: engines.ciphertexts.get(`${transit[1]}/${transit[3]}`) };
    if (kvData(view, path)) return method === 'PATCH' ? { data: { patched: 'yes' } } : { data: { written: 'by an agent' } };
    if (path.startsWith('sys/policies/acl/')) return { policy: 'path "*" { capabilities = ["create", "read", "update", "delete", "list", "sudo"] }' };
    return {};
  }

  test('every agent of the table is synthesized with its own policy and Vault role (JWT for github-actions agents, AppRole for the others), and probed', () => {
    expect(proof.agents.map((a) => a.name)).toEqual(fleet.agents.map((a) => a.name).sort());
    for (const agent of proof.agents) {
      expect(agent.policyName).toBe(`agent-${agent.name}`);
      expect(agent.login).toBe(tableAgent(agent.name).platform === 'github-actions' ? 'jwt' : 'approle');
      expect(agent.grants.length).toBeGreaterThanOrEqual(2); // token self-service at least
      expect(agent.denials.length).toBeGreaterThanOrEqual(20);
    }
  });

  test.each(proof.exact)('by hand: $title', async ({ agent, method, path, status }) => {
    const { client } = await session(agent);
    const res = await client.request(method, path, { body: bodyFor(method, path) });
    expect(res.status).toBe(status);
    const entry = view.entries.find((e) => e.dataPath === path);
    if (status === 200 && entry) expect(res.body.data.data).toEqual(JSON.parse(proof.variables[entry.variable]));
  });

  describe.each(proof.agents)('$name', (agent) => {
    const expected = (): Agent => tableAgent(agent.name);

    test(`${agent.name}'s synthesized policy grants exactly what the table says`, () => {
      expect(agent.rules).toEqual(agent.expected);
    });

    test(`${agent.name}'s policy on the server is the synthesized one`, async () => {
      const res = expectStatus(await root.request('GET', `sys/policies/acl/${agent.policyName}`), 200, 'read policy');
      expect(res.body.data.policy).toBe(agent.policy);
    });

    test(`${agent.name} logs in with ${agent.login === 'approle' ? 'its role-id and a fresh secret-id' : 'a GitHub OIDC token of its repository and environment'}, and gets a service token of the table's TTL carrying only ${agent.policyName}`, async () => {
      const { auth } = await session(agent.name);
      expect(auth.lease_duration).toBe(expected().credentialTtl);
      expect(auth.token_type).toBe('service');
      expect(auth.token_policies).toEqual([agent.policyName]);
      expect(auth.policies).toEqual([agent.policyName]);
    });

    test(`${agent.name}'s token has the table's max TTL and exactly its own policy (lookup-self)`, async () => {
      const { client } = await session(agent.name);
      const self = expectStatus(await client.request('GET', 'auth/token/lookup-self'), 200, 'lookup-self');
      expect(self.body.data.explicit_max_ttl).toBe(expected().credentialMaxTtl);
      expect(self.body.data.policies).toEqual([agent.policyName]);
      expect(self.body.data.ttl).toBeLessThanOrEqual(expected().credentialTtl);
      expect(self.body.data.ttl).toBeGreaterThan(expected().credentialTtl - 60);
    });

    test(`${agent.name}'s bound CIDRs are the table's`, async () => {
      expect(agent.boundCidrs).toEqual(expected().boundCidrs);
      const role = expectStatus(await root.request('GET', `auth/${agent.mount}/role/${agent.roleName}`), 200, 'read role');
      if (agent.login === 'approle') expect(role.body.data.secret_id_bound_cidrs ?? []).toEqual(expected().boundCidrs);
      expect(role.body.data.token_bound_cidrs ?? []).toEqual(expected().boundCidrs);
    });

    if (agent.tableCidrs.length > 0 && agent.login === 'approle') {
      const cidrs = agent.tableCidrs.join(', ');

      test(`${agent.name} is refused login from 127.0.0.1, outside its bound CIDRs ${cidrs}`, async () => {
        const res = await vaultClient(server.addr).request('POST', `auth/${view.appRoleMount}/login`, { body: await credentials(agent) });
        expect(res.status).toBe(400);
        expect(res.body.errors[0]).toMatch(/^source address "127\.0\.0\.1" unauthorized by CIDR restrictions on the role/);
      });

      test(`${agent.name} is refused login from 192.0.2.1, outside its bound CIDRs ${cidrs}`, async () => {
        const outside = vaultClient(server.forwardedAddr!, { headers: { 'X-Forwarded-For': '192.0.2.1' } });
        const res = await outside.request('POST', `auth/${view.appRoleMount}/login`, { body: await credentials(agent) });
        expect(res.status).toBe(400);
        expect(res.body.errors[0]).toMatch(/^source address "192\.0\.2\.1" unauthorized by CIDR restrictions on the role/);
      });

      test(`${agent.name}'s token, used from 127.0.0.1, is refused (token_bound_cidrs)`, async () => {
        const { auth, from } = await session(agent.name);
        expect(from).not.toBe('127.0.0.1');
        const res = await vaultClient(server.addr, { token: auth.client_token }).request('GET', 'auth/token/lookup-self');
        expect(res.status).toBe(403);
      });
    }

    test.each(agent.grants)('$title', async ({ method, path, capability }) => {
      const { client, auth } = await session(agent.name);
      const res = await client.request(method, path, { body: bodyFor(method, path) });
      const entry = view.entries.find((e) => e.dataPath === path);
      const transit = TRANSIT.exec(path);
      if (capability === 'list' && /^[^/]+\/metadata\//.test(path)) {
        // A KV v2 listing: it must show the keys the user's engine holds below it.
        const below = path.replace('/metadata/', '/data/') + '/';
        const keys = [...engines.kvValues.keys()].filter((k) => k.startsWith(below)).map((k) => k.slice(below.length).split('/')[0]);
        expect(keys.length).toBeGreaterThan(0);
        expect(res.status).toBe(200);
        expect(res.body.data.keys).toEqual(expect.arrayContaining(keys));
      } else if (method === 'GET' && entry) {
        expect(res.status).toBe(200);
        expect(res.body.data.data).toEqual(JSON.parse(proof.variables[entry.variable]));
      } else if (method === 'GET' && engines.kvValues.has(path)) {
        expect(res.status).toBe(200);
        expect(res.body.data.data).toEqual(engines.kvValues.get(path));
      } else if (method === 'GET' && path === 'auth/token/lookup-self') {
        expect(res.status).toBe(200);
        expect(res.body.data.policies).toEqual([agent.policyName]);
      } else if (method === 'POST' && path === 'auth/token/renew-self') {
        expect(res.status).toBe(200);
        expect(res.body.auth.client_token).toBe(auth.client_token);
        expect(res.body.auth.lease_duration).toBeLessThanOrEqual(expected().credentialTtl);
      } else if (method === 'POST' && transit?.[2] === 'encrypt') {
        expect(res.status).toBe(200);
        expect(res.body.data.ciphertext).toMatch(/^vault:v1:/);
      } else if (method === 'POST' && transit?.[2] === 'decrypt') {
        expect(res.status).toBe(200);
        expect(res.body.data.plaintext).toBe(PLAINTEXT);
      } else if (method === 'GET' && view.awsMount && path.startsWith(`${view.awsMount}/creds/`)) {
        // The KV stand-in's placeholder: the real engine would call STS here.
        expect(res.status).toBe(200);
        expect(res.body.data.stand_in).toMatch(/placeholder/);
      } else {
        throw new Error(`the proof does not know what ${method} ${path} should answer: teach the grant probe (got ${res.status} ${JSON.stringify(res.body)})`);
      }
    });

    test.each(agent.denials)('$title', async ({ method, path }) => {
      const { client } = await session(agent.name);
      const res: VaultResponse = await client.request(method, path, { body: bodyFor(method, path) });
      expect({ status: res.status, body: res.body }).toEqual({ status: 403, body: { errors: [expect.stringMatching(/permission denied/)] } });
    });

    const entries = view.entries.filter((e) => agent.expected.some((r) => r.path === e.dataPath));
    if (entries.length > 0) {
      test.each(entries)(`${agent.name}'s entry $name lists the table's scopes in its metadata`, async (entry) => {
        // From the table: the agent's scopes that name this entry's credential (the last segment of its path), sorted.
        const credential = entry.dataPath.split('/').pop();
        const scopes = [
          ...new Set(
            expected()
              .scopes.filter((s) => s.kind === 'secret' && s.secret === credential)
              .map((s) => s.name),
          ),
        ].sort();
        expect(scopes.length).toBeGreaterThan(0);
        const res = expectStatus(await root.request('GET', entry.metadataPath), 200, 'read metadata');
        expect(res.body.data.custom_metadata).toMatchObject({ agent: agent.name, owner: expected().owner, scopes: scopes.join(',') });
      });
    }
  });

  describe.each(view.functions.map((f) => [f.role, f] as const))('the %s function', (role, fn) => {
    const m = view.appRoleMount;
    const kv = fleet.settings.kvMount;
    const agent = `${AGENT_PREFIX}${[...fleet.agents].map((a) => a.name).sort()[0]}`;
    const others = view.functions.map((f) => f.roleName);
    let login: Promise<{ client: VaultClient; token: string }> | undefined;
    /** Logs the function in as it does at run time: its role-id and a secret-id from its login secret. */
    const login$ = (): Promise<{ client: VaultClient; token: string }> => {
      login ??= (async () => {
        const base = `auth/${m}/role/${fn.roleName}`;
        const roleId = expectStatus(await root.request('GET', `${base}/role-id`), 200, 'read role-id').body.data.role_id;
        const secretId = expectStatus(await root.request('POST', `${base}/secret-id`, { body: {} }), 200, 'mint secret-id').body.data.secret_id;
        const res = expectStatus(
          await vaultClient(server.addr).request('POST', `auth/${m}/login`, { body: { role_id: roleId, secret_id: secretId } }),
          200,
          `${fn.roleName} logs in`,
        );
        const token: string = res.body.auth.client_token;
        return { client: vaultClient(server.addr, { token }), token };
      })();
      return login;
    };
    const session = async (): Promise<VaultClient> => (await login$()).client;
    /** A fresh secret-id of the probed agent, minted as root: its accessor. */
    const mintedAccessor = async (): Promise<string> =>
      expectStatus(await root.request('POST', `auth/${m}/role/${agent}/secret-id`, { body: {} }), 200, 'mint').body.data.secret_id_accessor;

    test(`${role}'s synthesized policy grants exactly what the design says`, () => {
      expect(fn.rules).toEqual(functionRules(role, fleet));
    });

    test(`every path of ${role}'s policy is one of the fleet's agents', their KV entries, the revocation markers, or the token accessors`, () => {
      expect(fn.rules.filter((r) => agentsPath(r.path, fleet) === undefined).map((r) => r.path)).toEqual([]);
      expect(fn.rules.filter((r) => TOKEN_ACCESSOR_PATHS.includes(r.path)).length).toBe(role === 'revoke' ? 3 : 0);
    });

    test(`${role}'s policy on the server is the synthesized one`, async () => {
      const res = expectStatus(await root.request('GET', `sys/policies/acl/${fn.policyName}`), 200, 'read policy');
      expect(res.body.data.policy).toBe(fn.policy);
    });

    test(`${role} logs in with a ${fn.tokenTtl} s service token carrying only ${fn.policyName}`, async () => {
      // Not even the default policy's self-service: root looks the token up.
      expect((await (await session()).request('GET', 'auth/token/lookup-self')).status).toBe(403);
      const res = expectStatus(await root.request('POST', 'auth/token/lookup', { body: { token: (await login$()).token } }), 200, 'lookup');
      expect(res.body.data.policies).toEqual([fn.policyName]);
      expect(res.body.data.ttl).toBeLessThanOrEqual(fn.tokenTtl);
      expect(res.body.data.ttl).toBeGreaterThan(fn.tokenTtl - 60);
      expect(res.body.data.explicit_max_ttl).toBe(fn.tokenMaxTtl);
      expect(res.body.data.type).toBe('service');
    });

    /** The calls the function makes at run time, each allowed. */
    const injected = functionRules('gateway', fleet).find((r) => r.path.startsWith(`${kv}/data/agents/`))?.path;
    const grants: Record<'revoke' | 'rotate' | 'gateway', { title: string; run: (c: VaultClient) => Promise<void> }[]> = {
      gateway: injected
        ? [
            {
              title: `reads the entry it injects, ${injected}, and that agent's revocation marker`,
              run: async (c) => {
                expectStatus(await c.request('GET', injected), 200, 'read the entry');
                const owner = injected.split('/')[3];
                const marker = `${kv}/data/control/revoked/${owner}`;
                expectStatus(await root.request('POST', marker, { body: { data: { by: 'proof' } } }), 200, 'write as root');
                expectStatus(await c.request('GET', marker), 200, 'read the marker');
                expectStatus(await root.request('DELETE', `${kv}/metadata/control/revoked/${owner}`), 204, 'delete as root');
              },
            },
          ]
        : [],
      revoke: [
        {
          title: `lists and destroys the secret-ids of ${agent}`,
          run: async (c) => {
            const accessor = await mintedAccessor();
            const list = expectStatus(await c.request('LIST', `auth/${m}/role/${agent}/secret-id`), 200, 'list');
            expect(list.body.data.keys).toContain(accessor);
            expectStatus(
              await c.request('POST', `auth/${m}/role/${agent}/secret-id-accessor/destroy`, { body: { secret_id_accessor: accessor } }),
              204,
              'destroy',
            );
          },
        },
        {
          title: `reads and replaces the policy ${agent}`,
          run: async (c) => {
            const read = expectStatus(await c.request('GET', `sys/policies/acl/${agent}`), 200, 'read');
            expectStatus(await c.request('PUT', `sys/policies/acl/${agent}`, { body: { policy: read.body.data.policy } }), 204, 'write back');
          },
        },
        {
          title: 'finds a live token by its accessor and revokes it',
          run: async (c) => {
            const token = expectStatus(
              await root.request('POST', 'auth/token/create-orphan', { body: { policies: [agent], no_default_policy: true, ttl: '5m' } }),
              200,
              'create',
            );
            const accessor = token.body.auth.accessor;
            expect(expectStatus(await c.request('LIST', 'auth/token/accessors'), 200, 'list').body.data.keys).toContain(accessor);
            expectStatus(await c.request('POST', 'auth/token/lookup-accessor', { body: { accessor } }), 200, 'lookup');
            expectStatus(await c.request('POST', 'auth/token/revoke-accessor', { body: { accessor } }), 204, 'revoke');
            expect((await vaultClient(server.addr, { token: token.body.auth.client_token }).request('GET', 'auth/token/lookup-self')).status).toBe(403);
          },
        },
        {
          title: 'records a revocation marker',
          run: async (c) => {
            expectStatus(await c.request('POST', `${kv}/data/control/revoked/zz-probe`, { body: { data: { by: 'proof' } } }), 200, 'write');
            expectStatus(await c.request('GET', `${kv}/data/control/revoked/zz-probe`), 200, 'read');
          },
        },
        {
          title: "reads an agent's credential and a management credential, to revoke it at the provider",
          run: async (c) => {
            expectStatus(await root.request('POST', `${kv}/data/agents/zz-probe/x`, { body: { data: { token: 'probe' } } }), 200, 'write as root');
            expectStatus(await root.request('POST', `${kv}/data/management/zz-probe`, { body: { data: { api_key: 'probe' } } }), 200, 'write as root');
            expectStatus(await c.request('GET', `${kv}/data/agents/zz-probe/x`), 200, 'read');
            expectStatus(await c.request('GET', `${kv}/data/management/zz-probe`), 200, 'read');
          },
        },
      ],
      rotate: [
        {
          title: `reads the role-id of ${agent} and issues, lists, looks up and destroys its secret-ids`,
          run: async (c) => {
            expectStatus(await c.request('GET', `auth/${m}/role/${agent}/role-id`), 200, 'role-id');
            const issued = expectStatus(
              await c.request('POST', `auth/${m}/role/${agent}/secret-id`, { body: { metadata: '{"issued-by":"proof"}' } }),
              200,
              'issue',
            );
            const accessor = issued.body.data.secret_id_accessor;
            expect(expectStatus(await c.request('LIST', `auth/${m}/role/${agent}/secret-id`), 200, 'list').body.data.keys).toContain(accessor);
            expectStatus(
              await c.request('POST', `auth/${m}/role/${agent}/secret-id-accessor/lookup`, { body: { secret_id_accessor: accessor } }),
              200,
              'lookup',
            );
            expectStatus(
              await c.request('POST', `auth/${m}/role/${agent}/secret-id-accessor/destroy`, { body: { secret_id_accessor: accessor } }),
              204,
              'destroy',
            );
          },
        },
        {
          title: "writes and reads an agent's KV entry and its versions",
          run: async (c) => {
            expectStatus(await c.request('POST', `${kv}/data/agents/zz-probe/x`, { body: { data: { token: 'rotated' } } }), 200, 'write');
            expectStatus(await c.request('GET', `${kv}/data/agents/zz-probe/x`), 200, 'read');
            expectStatus(await c.request('GET', `${kv}/metadata/agents/zz-probe/x`), 200, 'versions');
          },
        },
        {
          title: 'reads a revocation marker',
          run: async (c) => {
            expectStatus(await root.request('POST', `${kv}/data/control/revoked/zz-probe`, { body: { data: { by: 'proof' } } }), 200, 'write as root');
            expectStatus(await c.request('GET', `${kv}/data/control/revoked/zz-probe`), 200, 'read');
          },
        },
      ],
    };
    test.each(grants[role].map((g) => [g.title, g] as const))(`${role} %s`, async (_title, g) => {
      await g.run(await session());
    });

    const denials: { method: VaultMethod; path: string }[] = [
      // An agent's role configuration: its policies, its role-id. With them, a login of any policy.
      { method: 'GET', path: `auth/${m}/role/${agent}` },
      { method: 'POST', path: `auth/${m}/role/${agent}` },
      { method: 'POST', path: `auth/${m}/role/${agent}/role-id` },
      { method: 'POST', path: `auth/${m}/role/${agent}/token-policies` },
      { method: 'POST', path: `auth/${m}/role/${AGENT_PREFIX}zz-new` },
      { method: 'LIST', path: `auth/${m}/role` },
      // The functions' own logins.
      ...others.flatMap((r): { method: VaultMethod; path: string }[] => [
        { method: 'GET', path: `auth/${m}/role/${r}/role-id` },
        { method: 'POST', path: `auth/${m}/role/${r}/secret-id` },
        { method: 'LIST', path: `auth/${m}/role/${r}/secret-id` },
        { method: 'POST', path: `auth/${m}/role/${r}/secret-id-accessor/destroy` },
      ]),
      // Policies that are not the fleet's agents'.
      ...view.functions.map((f) => ({ method: 'PUT' as VaultMethod, path: `sys/policies/acl/${f.policyName}` })),
      { method: 'PUT', path: 'sys/policies/acl/default' },
      { method: 'PUT', path: `sys/policies/acl/${AGENT_PREFIX}zz-new` },
      { method: 'LIST', path: 'sys/policies/acl' },
      // The system backend and the token store.
      { method: 'POST', path: 'auth/token/create' },
      { method: 'GET', path: 'sys/mounts' },
      { method: 'POST', path: 'sys/mounts/zz-probe' },
      { method: 'GET', path: 'sys/auth' },
      { method: 'GET', path: 'sys/audit' },
      // KV outside the agents' entries and the markers, and destroying versions.
      { method: 'GET', path: `${kv}/data/other` },
      { method: 'POST', path: `${kv}/data/control/other` },
      { method: 'DELETE', path: `${kv}/metadata/agents/zz-probe/x` },
      { method: 'POST', path: `${kv}/destroy/agents/zz-probe/x` },
      { method: 'GET', path: `${USER_KV_MOUNT}/data/zz-probe` },
      ...(role === 'gateway'
        ? [
            // Nothing but what it injects: no other entry, no write, no marker of another, no token lookups.
            { method: 'GET' as VaultMethod, path: `${kv}/data/agents/zz-probe/x` },
            ...(injected ? [{ method: 'POST' as VaultMethod, path: injected }] : []),
            { method: 'GET' as VaultMethod, path: `${kv}/data/control/revoked/zz-probe` },
            { method: 'LIST' as VaultMethod, path: `${kv}/metadata/agents` },
            { method: 'POST' as VaultMethod, path: 'auth/token/lookup' },
            { method: 'LIST' as VaultMethod, path: 'auth/token/accessors' },
            { method: 'GET' as VaultMethod, path: `sys/policies/acl/${agent}` },
            { method: 'POST' as VaultMethod, path: `auth/${m}/role/${agent}/secret-id` },
          ]
        : role === 'revoke'
          ? [
              { method: 'POST' as VaultMethod, path: `auth/${m}/role/${agent}/secret-id` },
              { method: 'GET' as VaultMethod, path: `auth/${m}/role/${agent}/role-id` },
              // It reads credentials to revoke them; it never writes one, nor reads their versions.
              { method: 'POST' as VaultMethod, path: `${kv}/data/agents/zz-probe/x` },
              { method: 'GET' as VaultMethod, path: `${kv}/metadata/agents/zz-probe/x` },
              { method: 'POST' as VaultMethod, path: `${kv}/data/management/zz-probe` },
            ]
          : [
              { method: 'GET' as VaultMethod, path: `sys/policies/acl/${agent}` },
              { method: 'PUT' as VaultMethod, path: `sys/policies/acl/${agent}` },
              { method: 'POST' as VaultMethod, path: `${kv}/data/control/revoked/zz-probe` },
              { method: 'LIST' as VaultMethod, path: 'auth/token/accessors' },
              { method: 'POST' as VaultMethod, path: 'auth/token/revoke-accessor' },
              { method: 'POST' as VaultMethod, path: `${kv}/data/management/zz-probe` },
            ]),
    ];
    test.each(denials)(`${role} is denied $method $path`, async ({ method, path }) => {
      const res = await (await session()).request(method, path, { body: bodyFor(method, path) });
      expect({ status: res.status, body: res.body }).toEqual({ status: 403, body: { errors: [expect.stringMatching(/permission denied/)] } });
    });
  });
});
