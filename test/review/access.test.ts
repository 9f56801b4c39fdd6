/**
 * One answer to "what may agent X do": `accessFor(agent, fleet)` (the model)
 * equals what the review reads back from the synthesized JSON, for every agent
 * of every fixture, sharded ones included.
 */
import { accessFor } from '../../model';
import { accessMatrix, readOutput } from '../../review';
import { loadFleet, TableFiles } from '../../table';
import { synthesizeTable } from '../support/synthesized';

const TABLES: readonly TableFiles[] = [
  { table: 'agents.yaml' },
  { table: 'test/fixtures/fleet.yaml' },
  { table: 'test/fixtures/github-agents.yaml' },
  { table: 'test/fixtures/seed.md', catalog: 'test/fixtures/seed-catalog.yaml' },
  { table: 'test/fixtures/sharded.yaml' },
];

describe.each(TABLES.map((t) => [t.table, t] as const))('%s', (_label, files) => {
  let expected: Record<string, unknown>;
  let readBack: Record<string, unknown>;
  beforeAll(async () => {
    const [fleet, { outDir }] = await Promise.all([loadFleet(files), synthesizeTable(files)]);
    expected = Object.fromEntries(fleet.agents.map((a) => [a.name, accessFor(a, fleet)]));
    readBack = Object.fromEntries(accessMatrix(readOutput(outDir)).agents.map((a) => [a.name, a.access]));
  });

  test('report reads back every agent the table defines, and no other', () => {
    expect(Object.keys(readBack).sort()).toEqual(Object.keys(expected).sort());
  });

  test("each agent's access, read back from the synthesized JSON, is accessFor's", () => {
    for (const name of Object.keys(expected)) expect({ name, access: readBack[name] }).toEqual({ name, access: expected[name] });
  });
});

test('accessFor answers in one place: Vault grants, login, IAM statements and trust, secrets (invoice-summarizer of the seed)', async () => {
  const fleet = await loadFleet({ table: 'agents.yaml' });
  expect(
    accessFor(
      fleet.agents.find((a) => a.name === 'invoice-summarizer')!,
      fleet,
    ),
  ).toEqual({
    agent: 'invoice-summarizer',
    vault: {
      policy: 'agent-invoice-summarizer',
      grants: [
        { path: 'auth/token/lookup-self', capabilities: ['read'], reason: 'token self-service' },
        { path: 'auth/token/renew-self', capabilities: ['update'], reason: 'token self-service' },
        { path: 'aws/creds/agent-invoice-summarizer', capabilities: ['read'], reason: 'AWS session for its aws: scopes' },
      ],
    },
    login: {
      method: 'approle',
      role: 'approle/agent-invoice-summarizer',
      policies: ['agent-invoice-summarizer'],
      tokenTtl: 900,
      tokenMaxTtl: 3600,
      secretIdTtl: 90000,
      boundCidrs: [],
    },
    aws: {
      role: 'agent-invoice-summarizer',
      access: 'vault-broker',
      statements: [
        { Sid: 'StorageBucketsRead', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::acme-invoices'] },
        { Sid: 'StorageObjectsCreate', Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::acme-invoices/uploads/*'] },
      ],
      trust: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'OnlyItsOnePrincipal', Effect: 'Allow', Principal: { AWS: '${var.vault_aws_broker_principal_arn}' }, Action: 'sts:AssumeRole' }],
      },
      maxSessionDuration: 3600,
      sessions: { defaultTtl: 900, maxTtl: 3600 },
    },
    secrets: [],
  });
});
