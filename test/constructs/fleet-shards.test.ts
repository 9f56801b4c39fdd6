/**
 * A sharded fleet: the shared stack, one stack per shard, the cross-stack
 * wiring between them, the state backends, and the promise that an agent's
 * resources are the same whichever way the fleet is deployed.
 */
import { readFileSync } from 'fs';
import { join, resolve } from 'path';
import { TerraformStack, Testing } from 'cdktf';
import { Fleet, functionShardPolicyName, renderVaultPolicy, revokerAgentRules, rotatorAgentRules, shardsOf } from '../../model';
import { loadFleet } from '../../table';
import { mergeShards } from '../../review/private/merge-shards';
import { FleetCore } from '../../constructs/fleet-core';
import { buildFleetApp } from '../../stacks/fleet-app';
import { tempDir, writeFiles } from '../helpers';
import { readStacks, SynthesizedStack } from '../support/synthesized';

const FIXTURE = readFileSync(resolve(__dirname, '..', 'fixtures', 'fleet.yaml'), 'utf8');

/** The fixture with extra lines under `fleet:`. */
function fixtureWith(...fleetLines: string[]): string {
  return FIXTURE.replace('fleet:\n', `fleet:\n${fleetLines.map((l) => `  ${l}\n`).join('')}`);
}

interface Synthesized {
  readonly fleet: Fleet;
  readonly project: string;
  readonly stacks: Record<string, SynthesizedStack>;
}

async function synth(yaml: string): Promise<Synthesized> {
  const dir = writeFiles({ 'agents.yaml': yaml });
  const fleet = await loadFleet({ table: join(dir, 'agents.yaml') });
  const project = tempDir('scoped-agents-shards-');
  buildFleetApp(fleet, join(project, 'cdktf.out'), { stateDir: project }).app.synth();
  return { fleet, project, stacks: Object.fromEntries(readStacks(join(project, 'cdktf.out')).map((s) => [s.name, s])) };
}

type Blocks = Record<string, Record<string, Record<string, unknown>>>;
const resources = (s: SynthesizedStack): Blocks => (s.json.resource ?? {}) as Blocks;
const named = (s: SynthesizedStack, type: string, name: string, attr = 'name'): Record<string, unknown> | undefined =>
  Object.values(resources(s)[type] ?? {}).find((b) => b[attr] === name);
const withoutMetadata = (body: Record<string, unknown>): Record<string, unknown> => {
  const { ['//']: _m, ...rest } = body;
  return rest;
};
const REMOTE = /\$\{data\.terraform_remote_state\.([a-z0-9-]+)\.outputs\.([A-Za-z0-9_-]+)\}/g;

const AGENTS = ['data-loader', 'deal-scorer', 'release-bot', 'report-writer', 'ticket-triager'];

describe('a fleet sharded by name (the fixture, count 4)', () => {
  let flat: Synthesized;
  let sharded: Synthesized;
  beforeAll(async () => {
    // Without the fleet trail, whose selectors name the agents with IAM roles (see the last test).
    [flat, sharded] = await Promise.all([
      synth(fixtureWith('cloudTrail: false').replace('  cloudTrail: true\n', '')),
      synth(fixtureWith('shards: { by: name, count: 4 }').replace('  cloudTrail: true\n', '')),
    ]);
  });

  test('synthesizes into the shared stack, named after the fleet, and one stack per non-empty shard', () => {
    expect(Object.keys(sharded.stacks)).toEqual(['acme-agents', 'acme-agents-shard-00', 'acme-agents-shard-01']);
    expect(shardsOf(sharded.fleet).map((s) => [s.stack, s.agents.map((a) => a.name)])).toEqual([
      ['acme-agents-shard-00', ['release-bot', 'report-writer']],
      ['acme-agents-shard-01', ['data-loader', 'deal-scorer', 'ticket-triager']],
    ]);
  });

  test("each agent's credential set is in its shard's stack and in no other", () => {
    for (const shard of shardsOf(sharded.fleet)) {
      for (const name of AGENTS) {
        const mine = shard.agents.some((a) => a.name === name);
        expect([name, shard.stack, named(sharded.stacks[shard.stack], 'vault_policy', `agent-${name}`) !== undefined]).toEqual([name, shard.stack, mine]);
        expect([
          name,
          shard.stack,
          named(sharded.stacks[shard.stack], 'aws_cloudwatch_log_group', `/scoped-agents/acme-agents/agents/${name}`) !== undefined,
        ]).toEqual([name, shard.stack, mine]);
      }
    }
  });

  test('the shared stack names no agent, so agents come and go without changing it', () => {
    const text = readFileSync(sharded.stacks['acme-agents'].file, 'utf8');
    for (const name of AGENTS) expect([name, text.includes(name)]).toEqual([name, false]);
    expect(Object.keys(resources(sharded.stacks['acme-agents']))).not.toContain('aws_cloudwatch_dashboard');
    expect(Object.keys(resources(sharded.stacks['acme-agents']))).not.toContain('aws_scheduler_schedule');
  });

  test("every shard reads the shared stack's outputs through one local remote state, at the shared state file", () => {
    const shared = sharded.stacks['acme-agents'];
    const outputs = Object.keys((shared.json.output ?? {}) as Record<string, unknown>);
    for (const stack of ['acme-agents-shard-00', 'acme-agents-shard-01']) {
      const s = sharded.stacks[stack];
      const dir = join(sharded.project, 'cdktf.out', 'stacks', stack);
      expect((s.json.data as Blocks).terraform_remote_state).toEqual({
        'cross-stack-reference-input-acme-agents': { backend: 'local', config: { path: expect.any(String) }, workspace: '${terraform.workspace}' },
      });
      const path = ((s.json.data as Blocks).terraform_remote_state['cross-stack-reference-input-acme-agents'].config as { path: string }).path;
      expect(resolve(dir, path)).toBe(join(sharded.project, 'terraform.acme-agents.tfstate'));
      expect((s.json.terraform as { backend: { local: { path: string } } }).backend.local.path).toBe(`../../../terraform.${stack}.tfstate`);
      const read = [...readFileSync(s.file, 'utf8').matchAll(REMOTE)];
      expect(read.length).toBeGreaterThan(0);
      for (const [, state, output] of read) {
        expect(state).toBe('cross-stack-reference-input-acme-agents');
        expect(outputs).toContain(output);
      }
    }
  });

  test('each shard reads every shared value once, into a local its agents share; the same outputs whichever agents it holds', () => {
    const names = [
      'fleet_approle_backend',
      'fleet_aws_secret_backend',
      'fleet_broker_principal_arn',
      'fleet_github_oidc_provider_arn',
      'fleet_jwt_backend',
      'fleet_key_arn',
      'fleet_kv_mount',
      'fleet_region',
      'fleet_rotate_function_arn',
      'fleet_rotate_function_name',
      'fleet_schedule_group',
      'fleet_scheduler_role_arn',
      'fleet_topic_arn',
      'fleet_usage_summary_function_arn',
    ];
    const outputs = Object.keys(sharded.stacks['acme-agents'].json.output as object).sort();
    for (const stack of ['acme-agents-shard-00', 'acme-agents-shard-01']) {
      const locals = sharded.stacks[stack].json.locals as Record<string, string>;
      expect([stack, Object.keys(locals).sort()]).toEqual([stack, names]);
      // Every local is one remote-state read, and the shards read the same outputs.
      expect([
        stack,
        Object.values(locals)
          .map((v) => /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-acme-agents\.outputs\.([A-Za-z0-9_-]+)\}$/.exec(v)?.[1])
          .sort(),
      ]).toEqual([stack, outputs]);
      // Agents use the locals, never the remote state directly.
      const { locals: _l, data: _d, ...rest } = sharded.stacks[stack].json;
      expect([stack, JSON.stringify(rest).includes('terraform_remote_state')]).toEqual([stack, false]);
    }
  });

  test("an agent's resources keep their addresses and arguments: the joined shards equal the unsharded stack, resource by resource", () => {
    const flatStack = flat.stacks['acme-agents'];
    const [joined] = mergeShards(Object.values(sharded.stacks).map((s) => ({ name: s.name, file: s.file, json: s.json as never })));
    const joinedResources = joined.json.resource!;
    let compared = 0;
    for (const [type, byName] of Object.entries(resources(flatStack))) {
      for (const [id, body] of Object.entries(byName)) {
        const path = (body['//'] as { metadata: { path: string } }).metadata.path;
        if (!AGENTS.some((a) => path.startsWith(`acme-agents/fleet/${a}/`)) && !path.startsWith('acme-agents/fleet/Runbooks/')) continue;
        compared++;
        expect([type, id, withoutMetadata(joinedResources[type]?.[id] ?? {})]).toEqual([type, id, withoutMetadata(body)]);
      }
    }
    // Every agent resource of the fixture: Vault, secrets, IAM, monitoring, rotation, GitHub, runbooks.
    expect(compared).toBeGreaterThan(60);
  });

  test("the functions' logins carry every shard's policy (empty buckets too); each shard's policy names exactly its own agents", () => {
    const shared = sharded.stacks['acme-agents'];
    for (const role of ['revoke', 'rotate'] as const) {
      const login = named(shared, 'vault_approle_auth_backend_role', `scoped-agents-${role}`, 'role_name')!;
      expect((login.token_policies as string[]).slice(1)).toEqual(['00', '01', '02', '03'].map((k) => `scoped-agents-${role}-acme-agents-shard-${k}`));
      const own = named(shared, 'vault_policy', `scoped-agents-${role}`)!;
      expect(own.policy).not.toMatch(/role\/agent-|acl\/agent-/);
      for (const shard of shardsOf(sharded.fleet)) {
        const name = functionShardPolicyName(role, shard.stack);
        const rules = (role === 'revoke' ? revokerAgentRules : rotatorAgentRules)(
          sharded.fleet.settings,
          shard.agents.map((a) => a.name),
        );
        const expected = renderVaultPolicy(name, rules, `the ${role} function over the agents of shard ${shard.stack} of fleet acme-agents`);
        expect(named(sharded.stacks[shard.stack], 'vault_policy', name)?.policy).toBe(expected);
      }
    }
  });

  test('each shard schedules the daily usage summary of its own agents, and has its own dashboard', () => {
    const shard = sharded.stacks['acme-agents-shard-00'];
    const schedule = named(shard, 'aws_scheduler_schedule', 'usage-summary-00')!;
    expect(JSON.parse((schedule.target as { input: string }).input)).toEqual({
      action: 'summarize',
      shard: 'acme-agents-shard-00',
      agents: { 'release-bot': { maxCallsPerMinute: 1000 }, 'report-writer': { maxCallsPerMinute: 1000 } },
    });
    expect([(schedule.target as { arn: string }).arn, schedule.group_name]).toEqual([
      '${local.fleet_usage_summary_function_arn}',
      '${local.fleet_schedule_group}',
    ]);
    expect((shard.json.locals as Record<string, string>).fleet_usage_summary_function_arn).toMatch(
      /^\$\{data\.terraform_remote_state\.cross-stack-reference-input-acme-agents\.outputs\.cross-stack-output-aws_lambda_functionfleet_Operations_UsageSummary_Function_[0-9A-F]+arn\}$/,
    );
    const dashboards = Object.values(resources(shard).aws_cloudwatch_dashboard).map((d) => d.dashboard_name);
    expect(dashboards).toEqual(['acme-agents-shard-00']);
  });

  test('the GitHub provider is declared where GitHub is written to: the shards (runbooks, release-bot), not the shared stack', () => {
    expect(Object.keys(sharded.stacks['acme-agents'].json.provider as object).sort()).toEqual(['aws', 'vault']);
    expect(Object.keys(sharded.stacks['acme-agents-shard-00'].json.provider as object).sort()).toEqual(['aws', 'github', 'vault']);
    expect((sharded.stacks['acme-agents-shard-01'].json.provider as { aws: { default_tags: unknown }[] }).aws[0].default_tags).toEqual([
      { tags: { fleet: 'acme-agents', 'managed-by': 'scoped-agents', shard: 'acme-agents-shard-01' } },
    ]);
  });
});

test('by owner: one stack per owner, named after the address', async () => {
  const { stacks } = await synth(fixtureWith('shards: { by: owner }'));
  expect(Object.keys(stacks)).toEqual([
    'acme-agents',
    'acme-agents-data-acme-example',
    'acme-agents-platform-acme-example',
    'acme-agents-sales-acme-example',
    'acme-agents-support-acme-example',
  ]);
  const login = named(stacks['acme-agents'], 'vault_approle_auth_backend_role', 'scoped-agents-revoke', 'role_name')!;
  expect((login.token_policies as string[]).slice(1)).toEqual([
    'scoped-agents-revoke-acme-agents-data-acme-example',
    'scoped-agents-revoke-acme-agents-platform-acme-example',
    'scoped-agents-revoke-acme-agents-sales-acme-example',
    'scoped-agents-revoke-acme-agents-support-acme-example',
  ]);
});

test("with the fleet trail, the shared stack names the agents with IAM roles in the trail's metric filters only", async () => {
  const { stacks } = await synth(fixtureWith('shards: { by: name, count: 4 }'));
  const shared = stacks['acme-agents'];
  const naming = Object.entries(resources(shared)).flatMap(([type, byName]) =>
    Object.values(byName)
      .filter((b) => AGENTS.some((a) => JSON.stringify(withoutMetadata(b)).includes(a)))
      .map(() => type),
  );
  expect([...new Set(naming)].sort()).toEqual(['aws_cloudwatch_log_metric_filter']);
});

describe('state in S3', () => {
  const S3 = 'state: { s3: { bucket: acme-terraform-state, region: eu-west-1, keyPrefix: infra/agents } }';

  test('every stack keeps its own object, keyed by its name, encrypted and locked with an S3 lock file; shards read the shared object', async () => {
    const { stacks } = await synth(fixtureWith('shards: { by: name, count: 4 }', S3));
    for (const name of Object.keys(stacks)) {
      expect([name, (stacks[name].json.terraform as { backend: unknown }).backend]).toEqual([
        name,
        { s3: { bucket: 'acme-terraform-state', region: 'eu-west-1', key: `infra/agents/${name}/terraform.tfstate`, encrypt: true, use_lockfile: true } },
      ]);
    }
    expect((stacks['acme-agents-shard-01'].json.data as Blocks).terraform_remote_state['cross-stack-reference-input-acme-agents']).toEqual({
      backend: 's3',
      config: { bucket: 'acme-terraform-state', region: 'eu-west-1', key: 'infra/agents/acme-agents/terraform.tfstate', encrypt: true },
      workspace: '${terraform.workspace}',
    });
  });

  test('an unsharded fleet keeps its one state there too, with the KMS key given', async () => {
    const { stacks } = await synth(
      fixtureWith('state: { s3: { bucket: acme-terraform-state, region: eu-west-1, kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:alias/terraform" } }'),
    );
    expect(Object.keys(stacks)).toEqual(['acme-agents']);
    expect((stacks['acme-agents'].json.terraform as { backend: unknown }).backend).toEqual({
      s3: {
        bucket: 'acme-terraform-state',
        region: 'eu-west-1',
        key: 'scoped-agents/acme-agents/terraform.tfstate',
        encrypt: true,
        kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:alias/terraform',
        use_lockfile: true,
      },
    });
  });
});

test('state in HCP Terraform: a workspace per stack, named with the prefix; shards read the shared workspace through the remote backend', async () => {
  const { stacks } = await synth(fixtureWith('shards: { by: name, count: 4 }', 'state: { hcp: { organization: acme, workspacePrefix: agents- } }'));
  for (const name of Object.keys(stacks)) {
    const terraform = stacks[name].json.terraform as { cloud?: unknown; backend?: unknown };
    expect([name, terraform.cloud, terraform.backend]).toEqual([
      name,
      { hostname: 'app.terraform.io', organization: 'acme', workspaces: { name: `agents-${name}` } },
      undefined,
    ]);
  }
  expect((stacks['acme-agents-shard-00'].json.data as Blocks).terraform_remote_state).toEqual({
    'cross-stack-reference-input-acme-agents': {
      backend: 'remote',
      config: { hostname: 'app.terraform.io', organization: 'acme', workspaces: { name: 'agents-acme-agents' } },
    },
  });
});

test('fails when FleetCore is given a fleet without shards, naming the fleet and the fix', async () => {
  const dir = writeFiles({ 'agents.yaml': FIXTURE });
  const fleet = await loadFleet({ table: join(dir, 'agents.yaml') });
  expect(() => new FleetCore(new TerraformStack(Testing.app(), 'x'), 'fleet', { fleet })).toThrow(
    'fleet acme-agents: FleetCore is the shared stack of a sharded fleet; set fleet.shards in the table, or use AgentFleet',
  );
});
