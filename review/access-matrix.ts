import { Access, AwsRoleAccess, CredentialLocation, VaultLogin } from '../model/access';
import { IamStatement } from '../model/iam-policy';
import { GatewayAgentConfig } from '../model/gateway';
import { HttpEndpoint, parseEndpoint } from '../model/http-grants';
import { VaultGrant } from '../model/vault-policy';
import { agentResourceName } from '../model/fleet';
import {
  agentNames,
  alarmMetricOf,
  alarmsOf,
  credentialRotators,
  credentialSecretsOf,
  gatewayConfigOf,
  kvEntriesOf,
  logGroupOf,
  named,
  num,
  secretRotationOf,
  secretsManagerSecretsOf,
  shown,
  smScopes,
  strings,
  tagsOf,
  targetAgent,
  vaultBindings,
  VAULT_ROLE_TYPES,
} from './private/agent-resources';
import { identityPolicies, NormalizedStatement, trustDocument } from './private/iam-documents';
import { InfrastructureEntry, infrastructureOf } from './infrastructure';
import { readVaultPolicy, scopesInReason } from './private/vault-documents';
import { SynthOutput } from './synth-output';
import { StackView, stackViews, TerraformBlock } from './terraform';
import { byCodeUnit } from './private/order';

/** One statement of an agent's IAM permissions; references written without logical ids. */
export interface IamGrant extends Omit<NormalizedStatement, 'principals'> {
  /** The policy it is in, e.g. `aws_iam_role_policy/agent-x`. */
  readonly policy: string;
}

/** One scope of an agent and the concrete grants that carry it. */
export interface ScopeAccess {
  /** The scope name (from the Vault policy comments and secret metadata), or the IAM statement's Sid. */
  readonly name: string;
  readonly kind: 'secret' | 'vault' | 'aws';
  readonly vault: readonly { readonly path: string; readonly capabilities: readonly string[] }[];
  readonly iam: readonly { readonly actions: readonly string[]; readonly resources: readonly string[] }[];
  /** Where the SaaS credential of a `secret` scope lives: `kv:<mount>/<name>` or `secretsmanager:<name>`. */
  readonly secrets: readonly string[];
  /** The endpoints it grants through the fleet's gateway (which holds the credential). */
  readonly gateway: readonly { readonly api: string; readonly method: string; readonly path: string }[];
}

/** Where one SaaS credential of an agent lives, and how Secrets Manager rotates it. */
export interface SecretLocation extends CredentialLocation {
  /** Secrets Manager rotation rule, when the secret has one. */
  readonly rotation?: string;
  /** For a credential kept in Vault: the rotator the rotate function runs on it (`manual`: nobody rotates it). */
  readonly rotator?: string;
}

/** One alarm watching an agent. */
export interface AlarmAccess {
  /** `call-rate`, `denied-rate`, `orphan`, `rotation-failure`. */
  readonly kind: string;
  readonly name: string;
  readonly metric?: string;
  readonly comparison?: string;
  readonly threshold?: number;
  /** Seconds. */
  readonly period?: number;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly actionsEnabled: boolean;
  /** What the alarm notifies, e.g. `aws_sns_topic/scoped-agents-alarms`. */
  readonly actions: readonly string[];
  /** The `Agent` dimension the alarm reads. */
  readonly watches?: string;
}

/** Credential lifetimes of an agent, in seconds; absent when the output does not set one. */
export interface AgentTtls {
  readonly tokenTtl?: number;
  readonly tokenMaxTtl?: number;
  readonly tokenExplicitMaxTtl?: number;
  readonly secretIdTtl?: number;
  readonly awsMaxSession?: number;
  readonly stsDefaultTtl?: number;
  readonly stsMaxTtl?: number;
}

/** Who and where may use an agent's credentials. */
export interface AgentTrust {
  /** Principals the agent's IAM role trusts (`AWS:<arn>`, `Service:<service>`, `*`), each with its condition (`… when {…}`) when it has one. */
  readonly awsPrincipals: readonly string[];
  readonly tokenBoundCidrs: readonly string[];
  readonly secretIdBoundCidrs: readonly string[];
  readonly permissionsBoundary?: string;
  /** Bindings of a JWT role (`bound_claims.repository=acme/checkout`…). */
  readonly vaultBindings: readonly string[];
}

/** What one agent may do, and everything that holds it to that, as synthesized. */
export interface AgentAccess {
  /** The stack it was read from: a sharded fleet's agents all name the fleet's (joined) stack. */
  readonly stack: string;
  /** In a sharded fleet, the shard stack that holds it. */
  readonly shard?: string;
  readonly fleet?: string;
  readonly name: string;
  readonly owner?: string;
  readonly platform?: string;
  readonly identity: {
    readonly vaultPolicy?: string;
    /** `<backend>/<role>` of the agent's AppRole or JWT role. */
    readonly vaultRole?: string;
    /** Policies the role's tokens carry. */
    readonly vaultRolePolicies: readonly string[];
    readonly iamRole?: string;
    /** ARNs of managed policies attached to the IAM role. */
    readonly managedPolicies: readonly string[];
  };
  readonly scopes: readonly ScopeAccess[];
  readonly vault: readonly VaultGrant[];
  readonly iam: readonly IamGrant[];
  readonly ttl: AgentTtls;
  readonly rotation: {
    readonly schedule?: {
      readonly name: string;
      readonly expression?: string;
      readonly timezone?: string;
      readonly state?: string;
      readonly targetAgent?: string;
    };
    readonly secretRotations: readonly { readonly secret: string; readonly expression?: string }[];
  };
  readonly alarms: readonly AlarmAccess[];
  readonly secrets: readonly SecretLocation[];
  /** Secrets Manager secret the rotation delivers the agent's Vault login to. */
  readonly loginDelivery?: string;
  readonly trust: AgentTrust;
  readonly logGroup?: { readonly name: string; readonly encrypted: boolean; readonly retentionDays?: number };
  /**
   * How it calls through the fleet's gateway (its item in the gateway's
   * table): how it authenticates, its limit, and each endpoint with the
   * provider it reaches. Absent for an agent the gateway does not serve.
   */
  readonly gateway?: {
    readonly auth: string;
    readonly maxCallsPerMinute: number;
    /** Sorted by API, path, method. */
    readonly endpoints: readonly { readonly api: string; readonly method: string; readonly path: string; readonly baseUrl: string }[];
  };
  /** The SaaS credentials it holds itself (its own policy or role reads them): its calls with them reach the provider directly, unseen by a gateway. */
  readonly direct: readonly string[];
  /** Policies of the agent that could not be read (a review of them would be incomplete). */
  readonly unreadable: readonly string[];
  /**
   * What it may do, read back into the model's own type: equal to
   * `accessFor(agent, fleet)` for the agent the table defined. Absent when
   * the output lacks its Vault policy or login role.
   */
  readonly access?: Access;
}

/** The access matrix of a synthesized output: every agent, and the fleet infrastructure beside them. */
export interface AccessMatrix {
  readonly dir: string;
  readonly stacks: readonly string[];
  /** The stacks each sharded fleet of `stacks` is deployed as (its shared stack first), by fleet stack. */
  readonly shardedStacks: Readonly<Record<string, readonly string[]>>;
  /** Sorted by stack, then name. */
  readonly agents: readonly AgentAccess[];
  readonly infrastructure: readonly InfrastructureEntry[];
}

/** How diffs and reports key an agent: its name, prefixed with its stack when the outputs hold several. */
export function agentKey(agent: Pick<AgentAccess, 'stack' | 'name'>, multiStack: boolean): string {
  return multiStack ? `${agent.stack}/${agent.name}` : agent.name;
}

const matrices = new WeakMap<SynthOutput, AccessMatrix>();

/**
 * The access matrix: per agent, its owner and platform, each scope and the
 * concrete grants carrying it, token lifetimes, rotation, alarms, where its
 * secrets live and whom it trusts — read from what would deploy.
 */
export function accessMatrix(output: SynthOutput): AccessMatrix {
  const cached = matrices.get(output);
  if (cached) return cached;
  const views = stackViews(output);
  const rotators = credentialRotators(views);
  const matrix: AccessMatrix = {
    dir: output.dir,
    stacks: views.map((v) => v.name),
    shardedStacks: Object.fromEntries(views.flatMap((v) => (v.stack.parts ? [[v.name, v.stack.parts]] : []))),
    agents: views.flatMap((v) => agentNames(v).map((name) => agentAccess(v, name, rotators))),
    infrastructure: views.flatMap(infrastructureOf),
  };
  matrices.set(output, matrix);
  return matrix;
}

function agentAccess(view: StackView, name: string, rotators: ReadonlyMap<string, string>): AgentAccess {
  const resourceName = agentResourceName({ name });
  const policyBlock = named(view, 'vault_policy', 'name', resourceName);
  const vaultPolicy = policyBlock ? readVaultPolicy(policyBlock.body.policy) : undefined;
  const roleType = VAULT_ROLE_TYPES.find((t) => named(view, t, 'role_name', resourceName));
  const role = roleType ? named(view, roleType, 'role_name', resourceName) : undefined;
  const iamRole = named(view, 'aws_iam_role', 'name', resourceName);
  const broker = named(view, 'vault_aws_secret_backend_role', 'name', resourceName);
  const schedule = named(view, 'aws_scheduler_schedule', 'name', resourceName);
  const kv = kvEntriesOf(view, name);
  const sm = secretsManagerSecretsOf(view, name);
  const smCredentials = credentialSecretsOf(view, name);
  const gateway = gatewayConfigOf(view, name);
  // A credential the gateway injects for the agent: its item names where it reads it.
  const gatewayReads = new Set(Object.values(gateway?.apis ?? {}).map((api) => api.credential.location));
  const readBy = (location: string): 'agent' | 'gateway' => (gatewayReads.has(location) ? 'gateway' : 'agent');
  const alarms = alarmsOf(view, name);
  const logGroup = logGroupOf(view, name);
  const policies = iamRole ? identityPolicies(view).filter((p) => p.roleName === resourceName) : [];
  const unreadable = [
    ...(policyBlock && vaultPolicy!.unreadable > 0 ? [view.label(policyBlock)] : []),
    ...policies.filter((p) => p.document.unreadable).map((p) => `${p.label}: ${p.document.unreadable}`),
  ];

  const scopes = new Map<
    string,
    {
      kind: ScopeAccess['kind'];
      vault: ScopeAccess['vault'][number][];
      iam: ScopeAccess['iam'][number][];
      secrets: Set<string>;
      gateway: ScopeAccess['gateway'][number][];
    }
  >();
  const scope = (scopeName: string, kind: ScopeAccess['kind']) => {
    const s = scopes.get(scopeName) ?? { kind, vault: [], iam: [], secrets: new Set<string>(), gateway: [] };
    scopes.set(scopeName, s);
    return s;
  };

  const kvLocations = kv.map((e) => ({ ...e, location: `${e.mount}/${e.name}`, dataPath: `${e.mount}/data/${e.name}` }));
  const vault: VaultGrant[] = (vaultPolicy?.rules ?? []).map((r) => ({ path: r.path, capabilities: r.capabilities, reason: r.reason }));
  /** The SaaS credentials its own policies read: it holds them itself. */
  const held = new Set<string>();
  for (const rule of vault) {
    const entry = kvLocations.find((e) => e.dataPath === rule.path);
    if (entry && rule.capabilities.includes('read')) held.add(entry.secret);
    const names = scopesInReason(rule.reason);
    for (const s of names.length > 0 || !entry ? names : strings(entry.metadata.scopes?.split(','))) {
      const access = scope(s, entry ? 'secret' : 'vault');
      access.vault.push({ path: rule.path, capabilities: rule.capabilities });
      if (entry) access.secrets.add(`kv:${entry.location}`);
    }
  }

  // Scopes the gateway carries: their endpoints, and the credential it injects for them.
  for (const [api, g] of Object.entries(gateway?.apis ?? {})) {
    const kvEntry = kvLocations.find((e) => e.dataPath === g.credential.location);
    const held = g.credential.store === 'vault' ? (kvEntry ? `kv:${kvEntry.location}` : undefined) : `secretsmanager:${g.credential.location}`;
    for (const [scopeName, endpoints] of Object.entries(g.scopes ?? {})) {
      const access = scope(scopeName, 'secret');
      access.gateway.push(...endpoints.flatMap((e) => endpointOf(api, e)).map((e) => ({ api: e.api, method: e.method, path: e.path })));
      if (held) access.secrets.add(held);
    }
  }

  const iam: IamGrant[] = [];
  for (const policy of policies) {
    policy.document.statements.forEach((st, i) => {
      const grant: IamGrant = {
        sid: st.sid,
        effect: st.effect,
        actions: st.actions,
        notActions: st.notActions,
        resources: st.resources.map((r) => view.stable(r)),
        notResources: st.notResources.map((r) => view.stable(r)),
        condition: st.condition,
        policy: policy.label,
      };
      iam.push(grant);
      if (st.effect !== 'Allow') return;
      const targets = st.resources.map((r) => view.target(r));
      const credentials = smCredentials.filter((s) => targets.includes(s.block));
      const onlyCredentials = targets.length > 0 && targets.every((t) => t && (t.type === 'aws_kms_key' || credentials.some((c) => c.block === t)));
      if (onlyCredentials) {
        for (const c of credentials) {
          held.add(c.secret);
          for (const s of smScopes(view.literal(c.block.body.description))) {
            const access = scope(s, 'secret');
            access.iam.push({ actions: grant.actions, resources: grant.resources });
            access.secrets.add(`secretsmanager:${c.name}`);
          }
        }
        return;
      }
      scope(st.sid ?? `${policy.label} statement ${i + 1}`, 'aws').iam.push({ actions: grant.actions, resources: grant.resources });
    });
  }

  const secrets: SecretLocation[] = [
    ...kvLocations.map((e): SecretLocation => ({
      store: 'vault',
      credential: e.secret,
      location: e.location,
      scopes: strings(e.metadata.scopes?.split(',')).filter(Boolean).sort(),
      readBy: readBy(e.dataPath),
      rotator: rotators.get(e.secret) ?? 'manual',
    })),
    ...smCredentials.map((s): SecretLocation => ({
      store: 'aws',
      credential: s.secret,
      location: s.name,
      scopes: smScopes(view.literal(s.block.body.description)),
      rotation: secretRotationOf(view, s.block),
      readBy: readBy(s.name),
    })),
  ].sort((a, b) => byCodeUnit(a.location, b.location));

  const tagged = [iamRole, logGroup, ...sm.map((s) => s.block), ...alarms.map((a) => a.block), schedule].map(tagsOf);
  const fromTags = (key: string): string | undefined => tagged.find((t) => typeof t[key] === 'string')?.[key];
  const trust = iamRole ? trustDocument(view, iamRole) : undefined;
  const scheduleTarget = schedule ? targetAgent(schedule.body.target) : undefined;

  return {
    stack: view.name,
    // The state that holds a sharded fleet's agent.
    ...(view.stack.parts && policyBlock ? { shard: view.originOf(policyBlock).stack } : {}),
    fleet: alarms[0]?.fleet ?? fromTags('fleet'),
    name,
    owner: kv.find((e) => e.metadata.owner)?.metadata.owner ?? fromTags('owner'),
    platform: kv.find((e) => e.metadata.platform)?.metadata.platform ?? fromTags('platform'),
    identity: {
      vaultPolicy: policyBlock ? resourceName : undefined,
      vaultRole: role ? `${view.literal(role.body.backend) ?? '?'}/${resourceName}` : undefined,
      vaultRolePolicies: role
        ? [...strings(role.body.token_policies), ...strings(role.body.policies)].map((p) => view.literal(p) ?? view.stable(p)).sort()
        : [],
      iamRole: iamRole ? resourceName : undefined,
      managedPolicies: view
        .resources('aws_iam_role_policy_attachment')
        .filter((a) => view.target(a.body.role) === iamRole || a.body.role === resourceName)
        .map((a) => view.stable(String(a.body.policy_arn)))
        .sort(),
    },
    scopes: [...scopes.entries()]
      .sort(([a], [b]) => byCodeUnit(a, b))
      .map(([scopeName, s]) => ({ name: scopeName, kind: s.kind, vault: s.vault, iam: s.iam, secrets: [...s.secrets].sort(), gateway: s.gateway })),
    vault,
    iam,
    ttl: {
      tokenTtl: num(role?.body.token_ttl),
      tokenMaxTtl: num(role?.body.token_max_ttl),
      tokenExplicitMaxTtl: num(role?.body.token_explicit_max_ttl),
      secretIdTtl: num(role?.body.secret_id_ttl),
      awsMaxSession: iamRole ? (num(iamRole.body.max_session_duration) ?? 3600) : undefined,
      stsDefaultTtl: num(broker?.body.default_sts_ttl),
      stsMaxTtl: num(broker?.body.max_sts_ttl),
    },
    rotation: {
      schedule: schedule
        ? {
            name: resourceName,
            expression: view.literal(schedule.body.schedule_expression),
            timezone: view.literal(schedule.body.schedule_expression_timezone),
            state: view.literal(schedule.body.state) ?? 'ENABLED',
            targetAgent: scheduleTarget,
          }
        : undefined,
      secretRotations: smCredentials.map((s) => ({ secret: s.name, expression: secretRotationOf(view, s.block) })),
    },
    alarms: alarms
      .map(({ block, kind, name: alarmName }): AlarmAccess => {
        const watched = alarmMetricOf(view, block.body);
        return {
          kind,
          name: alarmName,
          metric: watched.metric,
          comparison: view.literal(block.body.comparison_operator),
          threshold: typeof block.body.threshold === 'number' ? block.body.threshold : num(block.body.threshold),
          period: watched.period,
          evaluationPeriods: num(block.body.evaluation_periods),
          datapointsToAlarm: num(block.body.datapoints_to_alarm),
          actionsEnabled: block.body.actions_enabled !== false,
          actions: strings(block.body.alarm_actions)
            .map((a) => shown(view, a))
            .sort(),
          watches: watched.watches,
        };
      })
      .sort((a, b) => byCodeUnit(a.kind, b.kind)),
    secrets,
    loginDelivery: sm.find((s) => s.secret === 'vault-login')?.name,
    trust: {
      // A condition is part of whom the role trusts (GitHub's OIDC provider trusts one repository and environment by it).
      awsPrincipals: [
        ...new Set(
          (trust?.statements ?? [])
            .filter((s) => s.effect === 'Allow')
            .flatMap((s) => s.principals.map((p) => `${view.stable(p)}${s.condition ? ` when ${view.stable(s.condition)}` : ''}`)),
        ),
      ].sort(),
      tokenBoundCidrs: strings(role?.body.token_bound_cidrs).sort(),
      secretIdBoundCidrs: strings(role?.body.secret_id_bound_cidrs).sort(),
      permissionsBoundary: iamRole && typeof iamRole.body.permissions_boundary === 'string' ? view.stable(iamRole.body.permissions_boundary) : undefined,
      vaultBindings: role ? vaultBindings(role.body) : [],
    },
    access:
      policyBlock && role && roleType
        ? readAccess(view, { name, policy: vault, role, roleType, iamRole, broker, kv: kvLocations, sm: smCredentials, gateway })
        : undefined,
    ...(gateway
      ? {
          gateway: {
            auth: gateway.auth,
            maxCallsPerMinute: gateway.maxCallsPerMinute,
            endpoints: Object.entries(gateway.apis)
              .flatMap(([api, g]) =>
                g.endpoints.flatMap((e) => endpointOf(api, e)).map((e) => ({ api: e.api, method: e.method, path: e.path, baseUrl: g.baseUrl })),
              )
              .sort((x, y) => x.api.localeCompare(y.api) || x.path.localeCompare(y.path) || x.method.localeCompare(y.method)),
          },
        }
      : {}),
    direct: [...held].sort(),
    logGroup: logGroup
      ? {
          name: view.nameOf(logGroup)!,
          encrypted: typeof logGroup.body.kms_key_id === 'string' && logGroup.body.kms_key_id !== '',
          retentionDays: num(logGroup.body.retention_in_days),
        }
      : undefined,
    unreadable,
  };
}

/** Strings of a parsed JSON document with each reference written as {@link StackView.stable} writes it. */
function stableJson(view: StackView, value: unknown): unknown {
  if (typeof value === 'string') return value.includes('${') ? view.stable(value) : value;
  if (Array.isArray(value)) return value.map((v) => stableJson(view, v));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stableJson(view, v)]));
  return value;
}

/** A JSON-string attribute (a policy document), parsed, with references made stable; `undefined` when it is not JSON. */
function jsonDocument(view: StackView, text: unknown): Record<string, unknown> | undefined {
  const literal = typeof text === 'string' ? text : undefined;
  if (literal === undefined) return undefined;
  try {
    return stableJson(view, JSON.parse(literal)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The agent's {@link Access}, read from its synthesized resources. */
function readAccess(
  view: StackView,
  a: {
    name: string;
    policy: readonly VaultGrant[];
    role: TerraformBlock;
    roleType: string;
    iamRole?: TerraformBlock;
    broker?: TerraformBlock;
    kv: readonly { secret: string; location: string; dataPath: string; metadata: Record<string, string> }[];
    sm: readonly { secret: string; name: string; block: TerraformBlock }[];
    gateway?: GatewayAgentConfig;
  },
): Access {
  const gatewayReads = new Set(Object.values(a.gateway?.apis ?? {}).map((api) => api.credential.location));
  const resourceName = agentResourceName({ name: a.name });
  const body = a.role.body;
  const jwt = a.roleType === 'vault_jwt_auth_backend_role';
  const list = (v: unknown): string[] => strings(v).map((p) => view.literal(p) ?? view.stable(p));
  const login: VaultLogin = {
    method: jwt ? 'github-jwt' : 'approle',
    role: `${view.literal(body.backend) ?? '?'}/${resourceName}`,
    policies: list(body.token_policies),
    tokenTtl: num(body.token_ttl) ?? 0,
    tokenMaxTtl: num(body.token_max_ttl) ?? 0,
    ...(jwt ? {} : { secretIdTtl: num(body.secret_id_ttl) }),
    boundCidrs: strings(body.token_bound_cidrs),
    ...(jwt ? { boundClaims: { ...(body.bound_claims as Record<string, string>) }, boundAudiences: strings(body.bound_audiences) } : {}),
  };
  let aws: AwsRoleAccess | undefined;
  if (a.iamRole) {
    const policy = view.resources('aws_iam_role_policy').find((p) => view.target(p.body.role) === a.iamRole || p.body.role === resourceName);
    const statements = (jsonDocument(view, policy?.body.policy)?.Statement ?? []) as IamStatement[];
    const trust = jsonDocument(view, a.iamRole.body.assume_role_policy) as unknown as AwsRoleAccess['trust'];
    const federated = JSON.stringify(trust ?? {}).includes('"Federated"');
    aws = {
      role: resourceName,
      access: a.broker ? 'vault-broker' : federated ? 'github-oidc' : 'own-principal',
      statements,
      trust,
      maxSessionDuration: num(a.iamRole.body.max_session_duration) ?? 3600,
      ...(typeof a.iamRole.body.permissions_boundary === 'string' ? { permissionsBoundary: view.stable(a.iamRole.body.permissions_boundary) } : {}),
      ...(a.broker ? { sessions: { defaultTtl: num(a.broker.body.default_sts_ttl) ?? 0, maxTtl: num(a.broker.body.max_sts_ttl) ?? 0 } } : {}),
    };
  }
  const secrets: CredentialLocation[] = [
    ...a.kv.map((e): CredentialLocation => ({
      store: 'vault',
      credential: e.secret,
      location: e.location,
      scopes: strings(e.metadata.scopes?.split(',')).filter(Boolean).sort(),
      readBy: gatewayReads.has(e.dataPath) ? 'gateway' : 'agent',
    })),
    ...a.sm.map((s): CredentialLocation => ({
      store: 'aws',
      credential: s.secret,
      location: s.name,
      scopes: smScopes(view.literal(s.block.body.description)),
      readBy: gatewayReads.has(s.name) ? 'gateway' : 'agent',
    })),
  ].sort((x, y) => byCodeUnit(x.location, y.location));
  const endpoints = Object.entries(a.gateway?.apis ?? {}).flatMap(([api, g]) => g.endpoints.flatMap((text) => endpointOf(api, text)));
  return {
    agent: a.name,
    vault: { policy: resourceName, grants: a.policy },
    login,
    ...(aws ? { aws } : {}),
    secrets,
    ...(a.gateway
      ? { gateway: { endpoints: endpoints.sort((x, y) => x.api.localeCompare(y.api) || x.path.localeCompare(y.path) || x.method.localeCompare(y.method)) } }
      : {}),
  };
}

/** An endpoint of a gateway item read back (an unreadable one is dropped: the item is the gateway's, and it refuses it too). */
function endpointOf(api: string, text: string): HttpEndpoint[] {
  const parsed = parseEndpoint(api, text);
  return parsed.endpoint ? [parsed.endpoint] : [];
}
