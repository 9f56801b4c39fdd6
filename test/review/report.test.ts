import { join } from 'path';
import { accessMatrix, AgentAccess, readOutput } from '../../review';
import { PROOF_TABLES, synthesizeTable } from '../support/synthesized';
import { writeFiles } from '../helpers';
import { cli, edit, SEED, Synthesized, synthesizeYaml } from './support/review-fixtures';

/**
 * `scoped-agents report`: the access matrix read back from synthesized
 * output, per agent — owner, platform, scopes and their concrete grants,
 * TTLs, rotation, alarms, where secrets live, whom it trusts — with the
 * fleet's own functions reported apart.
 */

let seed: Synthesized;
let fixture: Synthesized;

beforeAll(async () => {
  seed = await synthesizeTable(PROOF_TABLES[0].files);
  fixture = await synthesizeTable(PROOF_TABLES[1].files);
});

const agent = (s: Synthesized, name: string): AgentAccess => accessMatrix(readOutput(s.outDir)).agents.find((a) => a.name === name)!;

describe('the access matrix of the seed', () => {
  test('lists exactly the three agents; functions and their identities are infrastructure, not agents', () => {
    const matrix = accessMatrix(readOutput(seed.outDir));
    expect(matrix.agents.map((a) => a.name)).toEqual(['email-notifier', 'invoice-summarizer', 'lead-enricher']);
    const infra = matrix.infrastructure.map((e) => `${e.kind} ${e.name}`);
    expect(infra).toEqual(
      expect.arrayContaining([
        'vault-policy scoped-agents-revoke',
        'vault-policy scoped-agents-rotate',
        'vault-role approle/scoped-agents-revoke',
        'function scoped-agents-revoke',
        'function scoped-agents-rotate',
      ]),
    );
    expect(infra.some((e) => e.includes('agent-'))).toBe(false);
  });

  test('reads lead-enricher: owner and platform from its KV metadata, its scopes with their gateway endpoints, TTLs, rotation, alarms and secret', () => {
    const a = agent(seed, 'lead-enricher');
    expect({ owner: a.owner, platform: a.platform, fleet: a.fleet }).toEqual({ owner: 'growth@acme.example', platform: 'claude', fleet: 'scoped-agents' });
    const hubspot = (method: string, path: string) => ({ api: 'hubspot', method, path });
    // Its Vault policy reads no credential: the gateway holds it, and the scopes are its endpoints there.
    expect(a.scopes).toEqual([
      {
        name: 'crm.contacts.read',
        kind: 'secret',
        vault: [],
        iam: [],
        secrets: ['kv:kv/agents/lead-enricher/hubspot'],
        gateway: [hubspot('GET', '/crm/v3/objects/contacts'), hubspot('GET', '/crm/v3/objects/contacts/*'), hubspot('POST', '/crm/v3/objects/contacts/search')],
      },
      {
        name: 'crm.tags.write',
        kind: 'secret',
        vault: [],
        iam: [],
        secrets: ['kv:kv/agents/lead-enricher/hubspot'],
        gateway: [hubspot('PATCH', '/crm/v3/objects/contacts/*')],
      },
    ]);
    expect(a.vault.map((v) => v.path)).toEqual(['auth/token/lookup-self', 'auth/token/renew-self']);
    expect(a.gateway).toEqual({
      auth: 'gateway-key',
      maxCallsPerMinute: 1000,
      endpoints: [
        { ...hubspot('GET', '/crm/v3/objects/contacts'), baseUrl: 'https://api.hubapi.com' },
        { ...hubspot('GET', '/crm/v3/objects/contacts/*'), baseUrl: 'https://api.hubapi.com' },
        { ...hubspot('PATCH', '/crm/v3/objects/contacts/*'), baseUrl: 'https://api.hubapi.com' },
        { ...hubspot('POST', '/crm/v3/objects/contacts/search'), baseUrl: 'https://api.hubapi.com' },
      ],
    });
    expect(a.direct).toEqual([]);
    expect(a.ttl).toEqual({ tokenTtl: 900, tokenMaxTtl: 3600, tokenExplicitMaxTtl: 3600, secretIdTtl: 90000 });
    expect(a.rotation.schedule).toEqual({
      name: 'agent-lead-enricher',
      expression: 'cron(0 3 * * ? *)',
      timezone: 'UTC',
      state: 'ENABLED',
      targetAgent: 'lead-enricher',
    });
    expect(a.secrets).toEqual([
      {
        store: 'vault',
        credential: 'hubspot',
        location: 'kv/agents/lead-enricher/hubspot',
        scopes: ['crm.contacts.read', 'crm.tags.write'],
        readBy: 'gateway',
        // As the rotate function is told: HubSpot's OAuth2 refresh, on by default.
        rotator: 'oauth2-refresh',
      },
    ]);
    expect(a.alarms.map((x) => [x.kind, x.threshold, x.actions])).toEqual([
      ['call-rate', 1000, ['aws_sns_topic/scoped-agents-alarms']],
      ['denied-rate', 20, ['aws_sns_topic/scoped-agents-alarms']],
      ['orphan', 1, ['aws_sns_topic/scoped-agents-alarms']],
      ['rotation-failure', 0, ['aws_sns_topic/scoped-agents-alarms']],
    ]);
    expect(a.identity).toEqual({
      vaultPolicy: 'agent-lead-enricher',
      vaultRole: 'approle/agent-lead-enricher',
      vaultRolePolicies: ['agent-lead-enricher'],
      managedPolicies: [],
    });
  });

  test('reads invoice-summarizer: IAM grants by statement, brokered sessions and the one principal its role trusts', () => {
    const a = agent(seed, 'invoice-summarizer');
    expect(a.owner).toBe('finance@acme.example');
    expect(a.scopes.map((s) => [s.name, s.kind, s.iam])).toEqual([
      ['StorageBucketsRead', 'aws', [{ actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::acme-invoices'] }]],
      ['StorageObjectsCreate', 'aws', [{ actions: ['s3:PutObject'], resources: ['arn:aws:s3:::acme-invoices/uploads/*'] }]],
    ]);
    expect(a.trust.awsPrincipals).toEqual(['AWS:${var.vault_aws_broker_principal_arn}']);
    expect({ session: a.ttl.awsMaxSession, sts: a.ttl.stsDefaultTtl, stsMax: a.ttl.stsMaxTtl }).toEqual({ session: 3600, sts: 900, stsMax: 3600 });
    expect(a.vault.map((v) => v.path)).toContain('aws/creds/agent-invoice-summarizer');
  });
});

describe('the access matrix of the fixture', () => {
  test("reads a metric-math alarm: data-loader's denied-rate adds AWS's refusals (the fleet trail) to its call log's", () => {
    const denied = agent(fixture, 'data-loader').alarms.find((a) => a.kind === 'denied-rate')!;
    expect([denied.metric, denied.watches, denied.period, denied.threshold]).toEqual(['DeniedCalls + AwsDeniedCalls', 'data-loader', 60, 20]);
  });

  test('reads a credential kept in Secrets Manager with its rotation rule, its IAM grant written without logical ids', () => {
    const a = agent(fixture, 'deal-scorer');
    expect(a.secrets).toEqual([
      {
        store: 'aws',
        credential: 'salesforce',
        location: 'scoped-agents/acme-agents/agents/deal-scorer/salesforce',
        scopes: ['crm.deals.read'],
        rotation: 'cron(0 3 * * ? *)',
        readBy: 'agent',
      },
    ]);
    expect(a.scopes).toEqual([
      {
        name: 'crm.deals.read',
        kind: 'secret',
        vault: [],
        iam: [
          {
            actions: ['secretsmanager:GetSecretValue'],
            resources: ['${aws_secretsmanager_secret["scoped-agents/acme-agents/agents/deal-scorer/salesforce"].arn}'],
          },
        ],
        secrets: ['secretsmanager:scoped-agents/acme-agents/agents/deal-scorer/salesforce'],
        gateway: [],
      },
    ]);
    // A fleet without http: grants has no gateway: its agents hold their credentials and call directly.
    expect([a.gateway, a.direct]).toEqual([undefined, ['salesforce']]);
  });

  test('reads network bindings, an own runtime principal, a permissions boundary, overridden TTLs, rotation and alarms', () => {
    const writer = agent(fixture, 'report-writer');
    expect(writer.trust.tokenBoundCidrs).toEqual(['10.20.0.0/16', '10.30.1.0/24']);
    expect(writer.ttl.tokenTtl).toBe(300);
    expect(writer.scopes.map((s) => `${s.kind} ${s.name}`)).toEqual([
      'secret chat.post',
      'vault reports.archive.list',
      'vault reports.archive.read',
      'vault reports.decrypt',
      'vault reports.encrypt',
    ]);
    const loader = agent(fixture, 'data-loader');
    expect(loader.trust.awsPrincipals).toEqual(['AWS:arn:aws:iam::123456789012:role/data-loader-runtime']);
    expect(loader.trust.permissionsBoundary).toBe('arn:aws:iam::123456789012:policy/agent-boundary');
    const triager = agent(fixture, 'ticket-triager');
    expect(triager.rotation.schedule?.expression).toBe('rate(12 hours)');
    expect(triager.alarms.find((x) => x.kind === 'call-rate')?.threshold).toBe(120);
    expect(triager.alarms.find((x) => x.kind === 'orphan')?.evaluationPeriods).toBe(72);
  });
});

describe('scoped-agents report', () => {
  test("writes Markdown: a summary row per agent, then each agent's grants by scope and its alarms", async () => {
    const r = await cli(['report', '--out', seed.outDir]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain('| agent | owner | platform | scopes | token TTL / max | rotation | alarms | SaaS calls |');
    expect(r.out).toContain(
      '| lead-enricher | growth@acme.example | claude | crm.contacts.read, crm.tags.write | 15m / 1h | `cron(0 3 * * ? *)` UTC | call-rate, denied-rate, orphan, rotation-failure | gateway (4) |',
    );
    expect(r.out).toContain('| crm.contacts.read | Gateway `GET /crm/v3/objects/contacts/*` on hubspot (`https://api.hubapi.com`) |');
    expect(r.out).toContain('| crm.tags.write | Gateway `PATCH /crm/v3/objects/contacts/*` on hubspot (`https://api.hubapi.com`) |');
    expect(r.out).not.toContain('on `kv/data/agents/lead-enricher/hubspot`');
    expect(r.out).toContain("- **Gateway** its calls go through the fleet's gateway (gateway-key), at most 1000 a minute, to 4 endpoints");
    expect(r.out).toContain('| StorageObjectsCreate | IAM Allow `s3:PutObject` on `arn:aws:s3:::acme-invoices/uploads/*` |');
    expect(r.out).toContain('| orphan | Calls &lt; 1 per 1h, 24 of 24 periods | `aws_sns_topic/scoped-agents-alarms` |');
    expect(r.out).toContain(
      '- **Secret** `hubspot` in Vault KV `kv/agents/lead-enricher/hubspot` (scopes crm.contacts.read, crm.tags.write), read by the gateway only',
    );
    expect(r.out).toContain('## Fleet infrastructure (not agents)');
  });

  test('writes JSON that parses back to the matrix', async () => {
    const r = await cli(['report', '--out', seed.outDir, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(JSON.parse(JSON.stringify(accessMatrix(readOutput(seed.outDir, seed.outDir)))));
  });

  test('exits 2 on an unknown format', async () => {
    const r = await cli(['report', '--format', 'html']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('error: --format must be one of markdown, json (got "html")');
  });
});

describe('an agent left to call directly (gateway: false)', () => {
  let direct: Synthesized;
  beforeAll(async () => {
    direct = await synthesizeYaml(edit(SEED, '    platform: claude\n', '    platform: claude\n    gateway: false\n'));
  });

  test('report marks it direct, in the summary and in its section; the others stay on the gateway', async () => {
    const r = await cli(['report', '--out', direct.outDir]);
    expect(r.out).toContain(
      '| lead-enricher | growth@acme.example | claude | crm.contacts.read, crm.tags.write | 15m / 1h | `cron(0 3 * * ? *)` UTC | call-rate, denied-rate, orphan, rotation-failure | **direct** (`hubspot`) |',
    );
    expect(r.out).toContain('- **Direct** it holds `hubspot` itself and calls that provider directly: no gateway checks, limits or logs those calls');
    expect(r.out).toContain(
      '| email-notifier | platform@acme.example | zapier | mail.send | 15m / 1h | `cron(0 3 * * ? *)` UTC | call-rate, denied-rate, orphan, rotation-failure | gateway (1) |',
    );
    const a = agent(direct, 'lead-enricher');
    expect([a.gateway, a.direct, a.secrets.map((x) => x.readBy)]).toEqual([undefined, ['hubspot'], ['agent']]);
    expect(a.vault.map((v) => v.path)).toContain('kv/data/agents/lead-enricher/hubspot');
  });

  test('check reports it as calling unseen, naming the credential and the fix, and a suppression with a reason accepts it', async () => {
    const r = await cli(['check', '--out', direct.outDir, '--format', 'json']);
    const json = JSON.parse(r.out);
    expect(r.code).toBe(1);
    expect(json.findings.filter((f: { rule: string }) => f.rule === 'saas-calls-through-gateway')).toEqual([
      expect.objectContaining({
        agent: 'lead-enricher',
        resource: 'vault_kv_secret_v2/agents/lead-enricher/hubspot',
        grant: 'hubspot credential',
        message: 'agent lead-enricher holds its hubspot credential itself and calls that provider directly: no gateway checks, limits or logs those calls',
        fix: 'give the scopes that name hubspot http: endpoints and remove gateway: false, or suppress this with the reason it must call directly',
      }),
    ]);
    const dir = writeFiles({
      'suppressions.yaml':
        'suppressions:\n' +
        '  - rule: saas-calls-through-gateway\n    resource: vault_kv_secret_v2/agents/lead-enricher/hubspot\n    grant: hubspot credential\n' +
        '    reason: HubSpot workflows call back into this agent with the key; the vendor offers no proxy setting.\n',
    });
    const accepted = await cli(['check', '--out', direct.outDir, '--suppressions', join(dir, 'suppressions.yaml')]);
    expect(accepted.code).toBe(0);
    expect(accepted.out).toContain('accepted  saas-calls-through-gateway');
  });
});
