/**
 * The Terraform gate: every stack of every table the suite synthesizes as a
 * whole fleet is loaded by the real Terraform CLI, the engine users deploy
 * with. `terraform init -backend=false` runs the configuration loader (JSON
 * syntax, expressions, variable validations, backends, references between
 * blocks of the right kind) before it installs providers; with an empty
 * filesystem mirror that installation is the only thing allowed to fail.
 *
 * What this does not prove: `terraform validate` and `plan` (attribute names
 * and types against each provider's schema) need the providers, which cannot
 * be downloaded here.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { TableFiles } from '../../table';
import { generateTable } from '../../bench/generate';
import { writeFiles } from '../helpers';
import { synthesizeTable } from '../support/synthesized';
import { errorBlocks, inBatches, loadStack, planVariables, StackLoad, terraformBinary } from '../support/terraform-cli';

const FIXTURES = join(__dirname, '..', 'fixtures');
const fixture = (name: string): string => join('test', 'fixtures', name);
const FLEET_FIXTURE = readFileSync(join(FIXTURES, 'fleet.yaml'), 'utf8');

/** The fixture with lines added under `fleet:` (and its trail, whose selectors a sharded fleet keeps in the shared stack, left as is). */
function fleetFixtureWith(...fleetLines: string[]): string {
  return FLEET_FIXTURE.replace('fleet:\n', `fleet:\n${fleetLines.map((l) => `  ${l}\n`).join('')}`);
}

/** A table given as text, written to a temp folder. */
function inline(yaml: string): TableFiles {
  return { table: join(writeFiles({ 'agents.yaml': yaml }), 'agents.yaml') };
}

/** Every whole-fleet table of the suite, each with what it brings to the output. */
const TABLES: readonly { readonly label: string; readonly files: () => TableFiles }[] = [
  { label: 'the seed, agents.yaml (vault_addr and broker-principal variables)', files: () => ({ table: 'agents.yaml' }) },
  {
    label: 'fleet.yaml (CloudTrail on, Chatbot, custom mounts, a credential in AWS, a GitHub agent, committed runbooks)',
    files: () => ({ table: fixture('fleet.yaml') }),
  },
  { label: 'github-agents.yaml (GitHub OIDC agents in two repositories)', files: () => ({ table: fixture('github-agents.yaml') }) },
  { label: 'seed.md with seed-catalog.yaml (the Markdown table)', files: () => ({ table: fixture('seed.md'), catalog: fixture('seed-catalog.yaml') }) },
  { label: 'seed-owners.md with seed-catalog.yaml', files: () => ({ table: fixture('seed-owners.md'), catalog: fixture('seed-catalog.yaml') }) },
  { label: 'sharded.yaml (shards by owner, S3 backends)', files: () => ({ table: fixture('sharded.yaml') }) },
  {
    label: 'fleet.yaml sharded by name into 4, S3 backends with a KMS key',
    files: () =>
      inline(
        fleetFixtureWith(
          'shards: { by: name, count: 4 }',
          'state: { s3: { bucket: acme-terraform-state, region: eu-west-1, keyPrefix: infra/agents, kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:alias/terraform" } }',
        ),
      ),
  },
  {
    label: 'fleet.yaml sharded by name into 4, HCP Terraform workspaces',
    files: () => inline(fleetFixtureWith('shards: { by: name, count: 4 }', 'state: { hcp: { organization: acme, workspacePrefix: agents- } }')),
  },
  {
    label: 'log-forwarding.yaml (an HTTPS endpoint, the socket audit device, a gateway and a trail)',
    files: () => ({ table: fixture('log-forwarding.yaml') }),
  },
  {
    label: 'log-forwarding.yaml to Splunk, sharded by name into 2',
    files: () =>
      inline(
        readFileSync(join(FIXTURES, 'log-forwarding.yaml'), 'utf8')
          .replace(
            / {2}logForwarding:\n(?: {4}.*\n)+/,
            '  logForwarding: { destination: splunk, url: "https://http-inputs-firehose-acme.splunkcloud.com:443" }\n',
          )
          .replace('fleet:\n', 'fleet:\n  shards: { by: name, count: 2 }\n'),
      ),
  },
  { label: 'the bench generator, 300 agents in one stack', files: () => inline(generateTable(300)) },
  { label: 'the bench generator, 400 agents sharded by name into 3', files: () => inline(generateTable(400, { shards: 3 })) },
];

/** `aws` → `hashicorp/aws`: how Terraform names a provider source given without a namespace. */
function providerAddress(source: string): string {
  return source.includes('/') ? source : `hashicorp/${source}`;
}

interface Loaded {
  readonly table: string;
  readonly load: StackLoad;
  readonly required: readonly string[];
}

let binary: string;
let loaded: Loaded[];
let seedVariables: Record<string, unknown>;

beforeAll(async () => {
  binary = terraformBinary();
  const stacks: { table: string; name: string; dir: string; required: string[] }[] = [];
  for (const t of TABLES) {
    const { outDir, stacks: synthesized } = await synthesizeTable(t.files());
    if (t === TABLES[0]) seedVariables = synthesized[0].json.variable ?? {};
    for (const s of synthesized) {
      const providers = ((s.json.terraform as { required_providers?: Record<string, { source: string }> }).required_providers ?? {}) as Record<
        string,
        { source: string }
      >;
      stacks.push({
        table: t.label,
        name: s.name,
        dir: join(outDir, 'stacks', s.name),
        required: Object.values(providers)
          .map((p) => providerAddress(p.source))
          .sort(),
      });
    }
  }
  // Two at a time: these machines have two cores.
  loaded = await inBatches(stacks, 2, async (s) => ({ table: s.table, required: s.required, load: await loadStack(s.dir, s.name, binary) }));
}, 600_000);

test('the gate covers every fixture table', () => {
  const tables = readdirSync(FIXTURES).filter((f) => /\.(ya?ml|md)$/.test(f) && f !== 'seed-catalog.yaml');
  const covered = TABLES.flatMap((t) => t.label.match(/[a-z-]+\.(?:yaml|md)/g) ?? []).filter((f) => f !== 'agents.yaml' && f !== 'seed-catalog.yaml');
  expect(tables.filter((f) => !covered.includes(f))).toEqual([]);
});

test('loads every stack of every table, sharded ones included', () => {
  expect(loaded.map((l) => l.load.stack)).toEqual([
    'scoped-agents',
    'acme-agents',
    'gh-agents',
    'scoped-agents',
    'scoped-agents',
    ...['acme', 'acme-finance-acme-example', 'acme-growth-acme-example', 'acme-support-acme-example'],
    ...['acme-agents', 'acme-agents-shard-00', 'acme-agents-shard-01'],
    ...['acme-agents', 'acme-agents-shard-00', 'acme-agents-shard-01'],
    'siem-demo',
    // The three agents' names all hash into the second of two shards.
    ...['siem-demo', 'siem-demo-shard-01'],
    'bench-300',
    ...['bench-400', 'bench-400-shard-00', 'bench-400-shard-01', 'bench-400-shard-02'],
  ]);
});

describe.each(TABLES.map((t) => t.label))('%s', (label) => {
  test('Terraform loads every stack; only provider installation fails', () => {
    const refused = loaded.filter((l) => l.table === label).flatMap((l) => l.load.configErrors.map((e) => `stack ${l.load.stack}:\n${e.text}`));
    expect(refused.join('\n\n')).toBe('');
  });

  test("Terraform got as far as looking for exactly the stack's providers", () => {
    for (const l of loaded.filter((x) => x.table === label)) {
      expect({ stack: l.load.stack, sought: l.load.providersSought }).toEqual({ stack: l.load.stack, sought: l.required });
      expect(l.load.providerErrors.length).toBe(l.required.length);
    }
  });
});

describe("the variables' validations, as Terraform evaluates them", () => {
  const GOOD = { vault_addr: 'https://vault.acme.example:8200', vault_aws_broker_principal_arn: 'arn:aws:iam::123456789012:role/vault-broker' };

  test('accept an https:// Vault address and an IAM role ARN', async () => {
    expect(await planVariables(seedVariables, GOOD, binary)).toEqual({ ok: true, errors: [] });
  });

  test.each([
    ['vault_addr', 'http://vault.acme.example:8200', 'vault_addr must be an https:// URL such as https://vault.example.com:8200.'],
    ['vault_addr', 'vault.acme.example', 'vault_addr must be an https:// URL such as https://vault.example.com:8200.'],
    [
      'vault_aws_broker_principal_arn',
      'arn:aws:iam::123456789012:user/vault',
      'vault_aws_broker_principal_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/vault.',
    ],
    [
      'vault_aws_broker_principal_arn',
      'arn:aws:iam::12345:role/vault',
      'vault_aws_broker_principal_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/vault.',
    ],
  ])('refuse %s = %s with its message', async (name, value, message) => {
    const plan = await planVariables(seedVariables, { ...GOOD, [name]: value }, binary);
    expect(plan.ok).toBe(false);
    expect(plan.errors.map((e) => e.summary)).toEqual(['Invalid value for variable']);
    expect(plan.errors[0].text).toContain(`var.${name} is "${value}"`);
    expect(plan.errors[0].text.replace(/\s+/g, ' ')).toContain(message);
  });
});

describe('the gate itself', () => {
  test("fails on a variable validation written as a literal string, with Terraform's own message", async () => {
    const dir = writeFiles({
      'cdk.tf.json': JSON.stringify({
        variable: { vault_addr: { type: 'string', validation: [{ condition: 'can(regex("^https://", var.vault_addr))', error_message: 'must be https' }] } },
      }),
    });
    const load = await loadStack(dir, 'literal-condition', binary);
    expect(load.configErrors.map((e) => e.summary)).toEqual(['Invalid validation expression', 'Invalid variable validation condition']);
    expect(load.configErrors[0].text).toContain('on cdk.tf.json line 1, in variable.vault_addr.validation[0]:');
  });

  test('reads the summary and the whole block of each error', () => {
    const out = 'Warning: w\n\nignored\nError: First\n\n  on a line 1\n\nmore\nError: Second\n\nbody\n';
    expect(errorBlocks(out)).toEqual([
      { summary: 'First', text: 'Error: First\n\n  on a line 1\n\nmore' },
      { summary: 'Second', text: 'Error: Second\n\nbody' },
    ]);
  });

  test('says how to install Terraform when neither terraform nor tofu is on PATH', () => {
    expect(() => terraformBinary('/nonexistent')).toThrow(/Neither terraform nor tofu is on PATH.*Install Terraform 1\.11 or later/);
  });
});
