/**
 * The world the functions run in, for tests: a real OpenBao with the seed's
 * (or another table's) synthesized Vault resources replayed onto it, a moto
 * server for AWS, and the functions' own least-privilege Vault logins stored
 * in Secrets Manager where the Lambdas read them. A sharded table's stacks are
 * joined into one (model/review `mergeShards`) and replayed as one.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { readFileSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';
import { cloudWatchClient } from '../../functions/shared/aws';
import {
  alarmName,
  Fleet,
  functionVaultRole,
  METRICS,
  parseVaultPolicy,
  renderVaultPolicy,
  revokerVaultPolicy,
  rotatorVaultPolicy,
  SECRET_NAMES,
  Shard,
  shardsOf,
} from '../../model';
import { loadFleet } from '../../table';
import { mergeShards } from '../../review/private/merge-shards';
import { tempDir } from '../helpers';
import { OpenBaoServer, startOpenBao } from '../support/openbao';
import { MotoServer, startMoto } from '../support/moto';
import { replayVault } from '../support/replay';
import { SynthesizedStack, synthesizeTable } from '../support/synthesized';
import { expectStatus, VaultClient, vaultClient } from '../support/vault-client';

const ROOT = resolve(__dirname, '..', '..');

/** Clients of the moto server, with the credentials it accepts. */
export interface Aws {
  readonly iam: IAMClient;
  readonly secrets: SecretsManagerClient;
  readonly scheduler: SchedulerClient;
  readonly cloudwatch: CloudWatchClient;
  readonly logs: CloudWatchLogsClient;
  readonly dynamodb: DynamoDBClient;
}

/** A started world; `stop()` ends both servers. */
export interface World {
  readonly bao: OpenBaoServer;
  readonly moto: MotoServer;
  /** Root client: only the test's own setup and assertions use it, never a function. */
  readonly root: VaultClient;
  readonly aws: Aws;
  readonly fleet: Fleet;
  /** The stack replayed: the fleet's only stack, or a sharded fleet's stacks joined into one (named after the fleet). */
  readonly stack: SynthesizedStack;
  /** Every stack as synthesized, before any joining, sorted by name: the fleet's only one, or the shared stack and each shard's. */
  readonly stacks: readonly SynthesizedStack[];
  /** The fleet's shards (`shardsOf`); empty without `fleet.shards`. */
  readonly shards: readonly Shard[];
  /** ARN of the Secrets Manager secret holding each function's own Vault login. */
  readonly loginSecretArn: { readonly revoke: string; readonly rotate: string; readonly gateway?: string };
  /** Where each function's Vault policy came from: the synthesized stack (as deployed), or model/operations.ts. */
  readonly functionPolicy: Readonly<Record<'revoke' | 'rotate', 'synthesized' | 'model'>>;
  stop(): Promise<void>;
}

/** Options of {@link startWorld}. */
export interface WorldOptions {
  /** Seed values of the synthesized KV entries, by Terraform variable (`seed__<agent>__<secret>`). */
  readonly seeds?: Readonly<Record<string, unknown>>;
  /** The table to synthesize (absolute path, or relative to the repository root). @default 'agents.yaml' (the seed) */
  readonly table?: string;
  /**
   * The table is sharded: its output is a shared stack and shard stacks, joined
   * with `mergeShards` (remote-state reads replaced by the shared stack's
   * expressions) and replayed as one stack. The functions' policies must then
   * come from the synthesized stacks; the model fallback is refused.
   * @default false - the output must be exactly one stack
   */
  readonly sharded?: boolean;
}

/**
 * Starts OpenBao and moto, synthesizes the seed table (`agents.yaml`, or
 * `options.table`), replays its Vault resources as root — the functions' own
 * policies and AppRole roles among them (installed from model/operations.ts
 * when the stack has none; never for a sharded table) — and stores a login of
 * each function in Secrets Manager.
 */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const table = resolve(ROOT, options.table ?? 'agents.yaml');
  const [bao, moto, synthesized, fleet] = await Promise.all([
    // The stack's vault_audit device is enabled over the API, as the provider does.
    startOpenBao({ allowApiAuditDevices: true }),
    startMoto(),
    synthesizeTable({ table }),
    loadFleet({ table }),
  ]);
  try {
    const stack = replayedStack(synthesized.stacks, options.sharded === true);
    const root = vaultClient(bao.addr, { token: bao.rootToken });

    // Variables without a default: the seeds given, and a placeholder for each required ARN.
    const variables: Record<string, string> = {};
    for (const [name, v] of Object.entries(stack.json.variable ?? {})) {
      if (options.seeds && name in options.seeds) variables[name] = JSON.stringify(options.seeds[name]);
      else if (v.default === undefined && name.endsWith('_arn')) variables[name] = 'arn:aws:iam::000000000000:role/vault';
    }
    await replayVault(stack, root, { variables, awsSecretsEngine: 'kv-stand-in', auditFilePath: join(tempDir('scoped-agents-audit-'), 'audit.log') });

    const aws: Aws = {
      iam: new IAMClient(moto.clientConfig),
      secrets: new SecretsManagerClient(moto.clientConfig),
      scheduler: new SchedulerClient(moto.clientConfig),
      cloudwatch: cloudWatchClient(moto.clientConfig),
      logs: new CloudWatchLogsClient(moto.clientConfig),
      dynamodb: new DynamoDBClient(moto.clientConfig),
    };
    const settings = fleet.settings;
    const agents = fleet.agents.map((a) => a.name);
    const loginSecretArn: { revoke: string; rotate: string; gateway?: string } = { revoke: '', rotate: '' };
    const functionPolicy = { revoke: 'model', rotate: 'model' } as Record<'revoke' | 'rotate', 'synthesized' | 'model'>;
    for (const role of ['revoke', 'rotate'] as const) {
      const name = functionVaultRole(role);
      const base = `auth/${settings.appRoleMount}/role/${name}`;
      const synthesized = Object.values(stack.json.resource?.vault_policy ?? {}).some((p) => p.name === name);
      if (synthesized) {
        // The fleet synthesizes the function's policy and AppRole role: replayed above, used as deployed.
        functionPolicy[role] = 'synthesized';
      } else if (options.sharded) {
        // The model's policy names every agent itself: it would hide whether the shards' policies grant anything.
        throw new Error(`the sharded fleet's stacks, joined as ${stack.name}, define no Vault policy ${name}; refusing the model fallback in a sharded world`);
      } else {
        // A stack without them: install the policy model/operations.ts declares, for the fleet's agents.
        const rules = role === 'revoke' ? revokerVaultPolicy(settings, agents) : rotatorVaultPolicy(settings, agents);
        expectStatus(await root.request('PUT', `sys/policies/acl/${name}`, { body: { policy: renderVaultPolicy(name, rules) } }), 204, `write policy ${name}`);
        expectStatus(
          await root.request('POST', base, { body: { token_policies: [name], token_no_default_policy: true, token_ttl: 900, token_max_ttl: 900 } }),
          204,
          `create AppRole role ${name}`,
        );
      }
      // The operator's bootstrap: a secret-id for the function, stored where the Lambda reads it.
      const roleId = expectStatus(await root.request('GET', `${base}/role-id`), 200, 'read role-id').body.data.role_id;
      const secretId = expectStatus(await root.request('POST', `${base}/secret-id`, { body: {} }), 200, 'mint secret-id').body.data.secret_id;
      const created = await aws.secrets.send(
        new CreateSecretCommand({
          Name: SECRET_NAMES.functionLogin(settings.name, role),
          SecretString: JSON.stringify({ role_id: roleId, secret_id: secretId }),
        }),
      );
      loginSecretArn[role] = created.ARN!;
    }
    // The gateway's login, when the fleet has one: its policy and role are only ever the synthesized ones.
    if (Object.values(stack.json.resource?.vault_policy ?? {}).some((p) => p.name === functionVaultRole('gateway'))) {
      const base = `auth/${settings.appRoleMount}/role/${functionVaultRole('gateway')}`;
      const roleId = expectStatus(await root.request('GET', `${base}/role-id`), 200, 'read role-id').body.data.role_id;
      const secretId = expectStatus(await root.request('POST', `${base}/secret-id`, { body: {} }), 200, 'mint secret-id').body.data.secret_id;
      const created = await aws.secrets.send(
        new CreateSecretCommand({
          Name: SECRET_NAMES.functionLogin(settings.name, 'gateway'),
          SecretString: JSON.stringify({ role_id: roleId, secret_id: secretId }),
        }),
      );
      loginSecretArn.gateway = created.ARN!;
    }

    return {
      bao,
      moto,
      root,
      aws,
      fleet,
      stack,
      stacks: synthesized.stacks,
      shards: shardsOf(fleet),
      loginSecretArn,
      functionPolicy,
      stop: async () => {
        await Promise.all([bao.stop(), moto.stop()]);
      },
    };
  } catch (e) {
    await Promise.all([bao.stop(), moto.stop()]);
    throw e;
  }
}

/**
 * The one stack to replay: the only stack, or (sharded) the shared stack with
 * every shard stack joined into it, each remote-state read of the shared
 * stack's outputs replaced by the expression that output holds.
 */
function replayedStack(stacks: readonly SynthesizedStack[], sharded: boolean): SynthesizedStack {
  const names = stacks.map((s) => s.name).join(', ');
  if (!sharded) {
    if (stacks.length !== 1) throw new Error(`expected one stack, got ${names}`);
    return stacks[0];
  }
  if (stacks.length < 2) throw new Error(`expected a sharded output (a shared stack and shard stacks), got ${names}`);
  const joined = mergeShards(stacks.map((s) => ({ name: s.name, file: s.file, json: s.json })));
  if (joined.length !== 1) throw new Error(`expected the stacks ${names} to join into one, got ${joined.map((s) => s.name).join(', ')}`);
  const left = JSON.stringify(joined[0].json).match(/data\.terraform_remote_state\.[^}"]*/);
  if (left) throw new Error(`the joined stack ${joined[0].name} still reads remote state: \${${left[0]}}`);
  return { name: joined[0].name, file: joined[0].file, json: joined[0].json as SynthesizedStack['json'] };
}

/**
 * The seed table (`agents.yaml`) with `fleet.shards` set, written to a fresh
 * temp dir; returns the file. The `shards:` line goes under the seed's
 * `fleet:` block, or, the seed having none, a `fleet:` block with the default
 * name is added after `version: 1`.
 *
 * @param shards the `shards:` value, YAML flow style @default '{ by: name, count: 4 }'
 */
export function shardedSeed(shards = '{ by: name, count: 4 }'): string {
  const seed = readFileSync(join(ROOT, 'agents.yaml'), 'utf8');
  const line = `  shards: ${shards}\n`;
  const fleetBlock = /^fleet:[ \t]*(#.*)?\n/m;
  const table = fleetBlock.test(seed)
    ? seed.replace(fleetBlock, (head) => head + line)
    : seed.replace(/^version: 1[ \t]*(#.*)?\n/m, (head) => `${head}\nfleet:\n  name: scoped-agents\n${line}`);
  if (table === seed) throw new Error('agents.yaml: found neither a fleet: block nor the version: 1 line to add one after');
  const file = join(tempDir('scoped-agents-sharded-seed-'), 'agents.yaml');
  writeFileSync(file, table);
  return file;
}

/** An agent's AppRole login material, minted as root (what an operator would hand over at deploy). */
export async function mintAgentLogin(world: World, agent: string): Promise<{ role_id: string; secret_id: string; accessor: string }> {
  const base = `auth/${world.fleet.settings.appRoleMount}/role/agent-${agent}`;
  const roleId = expectStatus(await world.root.request('GET', `${base}/role-id`), 200, `read agent-${agent} role-id`).body.data.role_id;
  const minted = expectStatus(await world.root.request('POST', `${base}/secret-id`, { body: {} }), 200, `mint agent-${agent} secret-id`).body.data;
  return { role_id: roleId, secret_id: minted.secret_id, accessor: minted.secret_id_accessor };
}

/** Logs in as the agent (anonymous client, real AppRole login); returns the HTTP answer. */
export async function agentLogin(world: World, login: { role_id: string; secret_id: string }): Promise<{ status: number; body: any }> {
  return vaultClient(world.bao.addr).request('POST', `auth/${world.fleet.settings.appRoleMount}/login`, {
    body: { role_id: login.role_id, secret_id: login.secret_id },
  });
}

/** Logs in as the agent and returns a client holding its token; fails the test when the login is refused. */
export async function agentSession(world: World, login: { role_id: string; secret_id: string }): Promise<VaultClient> {
  const res = expectStatus(await agentLogin(world, login), 200, 'agent login');
  return vaultClient(world.bao.addr, { token: res.body.auth.client_token });
}

/** The trigger of a denied-rate alarm, as CloudWatch puts it in the SNS message. */
export const DENIED_RATE_TRIGGER = {
  MetricName: 'DeniedCalls',
  Namespace: 'ScopedAgents',
  Statistic: 'SUM',
  Period: 60,
  EvaluationPeriods: 1,
  ComparisonOperator: 'GreaterThanThreshold',
  Threshold: 20,
};

/** An agent's session before any revocation: a live token, and the secret-id it came from. */
export interface AgentSessionBefore {
  readonly login: { role_id: string; secret_id: string };
  readonly client: VaultClient;
  readonly tokenAccessor: string;
}

/** Mints a login for each agent and opens a session with it (what a revocation must then cut). */
export async function openAgentSessions(world: World, agents: readonly string[]): Promise<Map<string, AgentSessionBefore>> {
  const sessions = new Map<string, AgentSessionBefore>();
  for (const agent of agents) {
    const login = await mintAgentLogin(world, agent);
    const client = await agentSession(world, login);
    const self = expectStatus(await client.request('GET', 'auth/token/lookup-self'), 200, `${agent} lookup-self`);
    sessions.set(agent, { login, client, tokenAccessor: self.body.data.accessor });
  }
  return sessions;
}

/** A function's own AppRole login, as the Lambda reads it from Secrets Manager. */
export async function functionLogin(world: World, role: 'revoke' | 'rotate' | 'gateway'): Promise<{ role_id: string; secret_id: string }> {
  const arn = world.loginSecretArn[role];
  if (arn === undefined) throw new Error(`the world's fleet has no ${role} function login`);
  const res = await world.aws.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  return JSON.parse(res.SecretString!);
}

/**
 * Runs `revoke` and polls as the agent would until its live token is refused
 * (10 s at most); the revoke's result and the milliseconds it took.
 */
export async function revokeAndWait<T>(session: AgentSessionBefore, revoke: () => Promise<T>): Promise<{ result: T; elapsed: number }> {
  const started = Date.now();
  const result = await revoke();
  while ((await session.client.request('GET', 'auth/token/lookup-self')).status !== 403 && Date.now() - started < 10_000)
    await new Promise((r) => setTimeout(r, 50));
  return { result, elapsed: Date.now() - started };
}

/** What a revocation leaves of an agent's Vault access, each checked on the real server. */
export const revoked = {
  /** Its live token answers 403 on lookup-self, renew-self and its KV entry `secret`. */
  async tokenRefused(world: World, session: AgentSessionBefore, agent: string, secret?: string): Promise<void> {
    for (const [method, path] of [
      ['GET', 'auth/token/lookup-self'],
      ...(secret !== undefined ? [['GET', `${world.fleet.settings.kvMount}/data/agents/${agent}/${secret}`] as const] : []),
      ['POST', 'auth/token/renew-self'],
    ] as const) {
      expect({ path, status: (await session.client.request(method, path, method === 'POST' ? { body: {} } : {})).status }).toEqual({ path, status: 403 });
    }
  },
  /** Its token is revoked, not only powerless: the accessor no longer exists. */
  async accessorGone(world: World, session: AgentSessionBefore): Promise<void> {
    expect((await world.root.request('POST', 'auth/token/lookup-accessor', { body: { accessor: session.tokenAccessor } })).status).toBe(400);
  },
  /** No new login succeeds: its secret-ids are destroyed. */
  async loginRefused(world: World, session: AgentSessionBefore, agent: string): Promise<void> {
    const res = await agentLogin(world, session.login);
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatch(/invalid (role or )?secret id/i);
    expect((await world.root.request('LIST', `auth/${world.fleet.settings.appRoleMount}/role/agent-${agent}/secret-id`)).status).toBe(404);
  },
  /** Its Vault policy grants nothing, and its header says when and by which denied-rate alarm. */
  async policyEmptied(world: World, agent: string): Promise<void> {
    const policy = expectStatus(await world.root.request('GET', `sys/policies/acl/agent-${agent}`), 200, 'read policy').body.data.policy as string;
    expect(parseVaultPolicy(policy)).toEqual([]);
    const alarm = alarmName(world.fleet.settings.name, agent, 'denied-rate').replace(/\//g, '\\/');
    expect(policy).toMatch(
      new RegExp(`^# REVOKED by scoped-agents at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ: alarm ${alarm} \\(denied-rate\\) went to ALARM\\.`),
    );
  },
};

/** Sum of one of the rotation metrics of `agent` over the last hour, read back with GetMetricData. */
export async function metricSum(world: World, agent: string, metric: string): Promise<number> {
  const now = Date.now();
  const res = await world.aws.cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now - 3_600_000),
      EndTime: new Date(now + 600_000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: { Namespace: METRICS.namespace, MetricName: metric, Dimensions: [{ Name: METRICS.dimension, Value: agent }] },
            Period: 60,
            Stat: 'Sum',
          },
        },
      ],
    }),
  );
  return (res.MetricDataResults?.[0]?.Values ?? []).reduce((a, b) => a + b, 0);
}

/** The environment a function handler reads, pointing at this world. */
export function functionEnv(world: World, role: 'revoke' | 'rotate', extra: Record<string, string> = {}): Record<string, string> {
  const s = world.fleet.settings;
  return {
    ...world.moto.env,
    FLEET: s.name,
    VAULT_ADDR: world.bao.addr,
    KV_MOUNT: s.kvMount,
    APPROLE_MOUNT: s.appRoleMount,
    VAULT_LOGIN_SECRET_ARN: world.loginSecretArn[role],
    ...extra,
  };
}

/** Runs `fn` with `env` set on process.env (the handlers read it), restoring it afterwards. */
export async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

/** An SNS event carrying CloudWatch alarm notifications, as the fleet topic delivers them. */
export function snsAlarmEvent(...alarms: Record<string, unknown>[]): unknown {
  return {
    Records: alarms.map((alarm, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:scoped-agents-alarms:0000',
      Sns: {
        Type: 'Notification',
        MessageId: `00000000-0000-0000-0000-00000000000${i}`,
        TopicArn: 'arn:aws:sns:us-east-1:123456789012:scoped-agents-alarms',
        Subject: `ALARM: "${String(alarm.AlarmName)}" in US East (N. Virginia)`,
        Message: JSON.stringify(alarm),
        Timestamp: new Date().toISOString(),
      },
    })),
  };
}

/** A CloudWatch alarm notification (the JSON an alarm publishes to SNS). */
export function alarmNotification(name: string, state: string, trigger: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AlarmName: name,
    AlarmDescription: null,
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2026-11-27T17:00:00.000+0000',
    NewStateValue: state,
    NewStateReason: 'Threshold Crossed: 1 datapoint [37.0 (27/11/26 18:00:00)] was greater than the threshold (20.0).',
    StateChangeTime: '2026-11-27T18:01:00.123+0000',
    Region: 'US East (N. Virginia)',
    AlarmArn: `arn:aws:cloudwatch:us-east-1:123456789012:alarm:${name}`,
    OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM',
    OKActions: [],
    AlarmActions: ['arn:aws:sns:us-east-1:123456789012:scoped-agents-alarms'],
    InsufficientDataActions: [],
    Trigger: { StatisticType: 'Statistic', Unit: null, EvaluateLowSampleCountPercentile: '', ...trigger },
    ...extra,
  };
}

/**
 * Captures what the handlers log (one JSON object a line, through console.log)
 * instead of printing it; returns the parsed lines, growing as they come.
 */
export function captureLogs(): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  beforeAll(() => {
    jest.spyOn(console, 'log').mockImplementation((line: unknown) => {
      try {
        lines.push(JSON.parse(String(line)));
      } catch {
        lines.push({ message: String(line) });
      }
    });
  });
  afterAll(() => jest.restoreAllMocks());
  return lines;
}
