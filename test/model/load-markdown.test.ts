import { readFileSync } from 'fs';
import { join } from 'path';
import { Fleet, iamPolicyFor, Problem, secretEntriesFor, vaultPolicyRulesFor } from '../../model';
import { loadFleet, TableError } from '../../table';
import { writeFiles } from '../helpers';

const FIXTURES = join(__dirname, '..', 'fixtures');
const SEED = join(FIXTURES, 'seed.md');
const SEED_OWNERS = join(FIXTURES, 'seed-owners.md');
const CATALOG = join(FIXTURES, 'seed-catalog.yaml');
const ROOT_TABLE = join(__dirname, '..', '..', 'agents.yaml');

/** What each agent may do: the part a Markdown table and its YAML twin must agree on exactly. */
function grants(fleet: Fleet): unknown[] {
  return fleet.agents.map((a) => ({
    name: a.name,
    scopes: a.scopes.map((s) => s.name),
    vault: vaultPolicyRulesFor(a, fleet.settings),
    iam: iamPolicyFor(a),
  }));
}

/** Who answers for each agent and where it runs. */
const owners = (fleet: Fleet): string[][] => fleet.agents.map((a) => [a.name, a.owner, a.platform]);

/** Writes `markdown` as `agents.md` beside a copy of the seed catalog, and returns both paths. */
function markdownTable(markdown: string): { table: string; catalog: string } {
  const dir = writeFiles({ 'agents.md': markdown, 'scopes.yaml': readFileSync(CATALOG, 'utf8') });
  return { table: join(dir, 'agents.md'), catalog: join(dir, 'scopes.yaml') };
}

/** The problems of a table that must not load. */
async function problemsOfFiles(files: { table: string; catalog?: string }): Promise<readonly Problem[]> {
  const error: unknown = await loadFleet(files).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TableError)) throw new Error(`expected a TableError, got ${String(error)}`);
  return error.problems;
}

describe('loadFleet: the seed Markdown table', () => {
  let seed: Fleet;
  let yaml: Fleet;
  beforeAll(async () => {
    seed = await loadFleet({ table: SEED, catalog: CATALOG });
    yaml = await loadFleet({ table: ROOT_TABLE });
  });

  it('loads three agents, their names normalized from the non-breaking hyphens of the seed', () => {
    expect(readFileSync(SEED, 'utf8')).toContain('Lead\u2011Enricher');
    expect(seed.agents.map((a) => a.name)).toEqual(['email-notifier', 'invoice-summarizer', 'lead-enricher']);
    expect(seed.files).toEqual([SEED, CATALOG]);
    expect(seed.warnings).toEqual([]);
  });

  it('grants exactly what the root agents.yaml grants: scopes, Vault policy rules, IAM policy', () => {
    expect(grants(seed)).toEqual(grants(yaml));
  });

  it('grants lead-enricher one HubSpot entry carrying both its scopes, read by the gateway, and invoice-summarizer its two S3 statements', () => {
    // Exact anchors, so that the comparison above cannot pass on two equally wrong fleets.
    const [, invoice, lead] = seed.agents;
    expect(secretEntriesFor(lead, seed.settings).map((e) => [e.name, e.scopes, e.readBy, e.api])).toEqual([
      ['agents/lead-enricher/hubspot', ['crm.contacts.read', 'crm.tags.write'], 'gateway', 'hubspot'],
    ]);
    // Its own policy does not reach the entry: only the gateway's does.
    expect(vaultPolicyRulesFor(lead, seed.settings)).toEqual([
      { path: 'auth/token/lookup-self', capabilities: ['read'], reason: 'token self-service' },
      { path: 'auth/token/renew-self', capabilities: ['update'], reason: 'token self-service' },
    ]);
    expect(iamPolicyFor(lead)).toBeUndefined();
    expect(iamPolicyFor(invoice)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'StorageBucketsRead', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::acme-invoices'] },
        { Sid: 'StorageObjectsCreate', Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::acme-invoices/uploads/*'] },
      ],
    });
  });

  it("gives every action of a row all of the row's scopes, since the seed does not pair them", () => {
    expect(seed.agents.find((a) => a.name === 'lead-enricher')?.actions).toEqual([
      { action: 'Read contact info', scopes: ['crm.contacts.read', 'crm.tags.write'] },
      { action: 'Write tag', scopes: ['crm.contacts.read', 'crm.tags.write'] },
    ]);
  });

  it("takes owner and platform from the catalog's defaults when the table has no such columns", () => {
    expect(owners(seed)).toEqual([
      ['email-notifier', 'security@acme.example', 'generic'],
      ['invoice-summarizer', 'security@acme.example', 'generic'],
      ['lead-enricher', 'security@acme.example', 'generic'],
    ]);
  });

  it('takes owner and platform from the Owner and Platform columns of seed-owners.md, equal to agents.yaml', async () => {
    const withOwners = await loadFleet({ table: SEED_OWNERS, catalog: CATALOG });
    expect(owners(withOwners)).toEqual([
      ['email-notifier', 'platform@acme.example', 'zapier'],
      ['invoice-summarizer', 'finance@acme.example', 'openai'],
      ['lead-enricher', 'growth@acme.example', 'claude'],
    ]);
    expect(owners(withOwners)).toEqual(owners(yaml));
    expect(grants(withOwners)).toEqual(grants(yaml));
  });
});

describe('loadFleet: Markdown table shapes', () => {
  it.each([
    ['no outer pipes', 'Agent | Required Action | API Scope', '---|---|---', 'Email Notifier | send email | mail.send'],
    ['outer pipes', '| Agent | Required Action | API Scope |', '|---|---|---|', '| Email Notifier | send email | mail.send |'],
    ['a leading pipe only', '| Agent | Required Action | API Scope', '| --- | --- | ---', '| Email Notifier | send email | mail.send'],
    ['a trailing pipe only', 'Agent | Required Action | API Scope |', ':--- | :---: | ---: |', 'Email Notifier | send email | mail.send |'],
  ])('reads a table with %s', async (_shape, header, separator, row) => {
    const fleet = await loadFleet(markdownTable(`# Agents\n\n${header}\n${separator}\n${row}\n\nNot part of the table.\n`));
    expect(fleet.agents.map((a) => ({ name: a.name, actions: a.actions, scopes: a.scopes.map((s) => s.name) }))).toEqual([
      { name: 'email-notifier', actions: [{ action: 'Send email', scopes: ['mail.send'] }], scopes: ['mail.send'] },
    ]);
  });
});

describe('loadFleet: failing Markdown tables', () => {
  // Line 1 `# Agents`, 2 empty, 3 the header, 4 the separator, 5 and 6 the rows.
  const table = (rows: string): string =>
    `# Agents\n\n| Agent | Required Action | API Scope |\n|---|---|---|\n| Lead-Enricher | Read contact info, write tag | crm.contacts.read, crm.tags.write |\n${rows}`;

  it("fails when a row names an unknown scope, at the row's line and the scope's column, once", async () => {
    // `| Invoice-Summarizer | Upload PDF, read bucket | ` is 49 characters and `storage.buckets.read, ` 22: column 72.
    const files = markdownTable(table('| Invoice-Summarizer | Upload PDF, read bucket | storage.buckets.read, storage.object.create |\n'));
    expect(await problemsOfFiles(files)).toEqual([
      {
        rule: 'unknown-scope',
        file: files.table,
        line: 6,
        column: 72,
        agent: 'invoice-summarizer',
        value: 'storage.object.create',
        message: 'scope is not in the scope catalog',
        fix: 'did you mean storage.objects.create? Otherwise add it under scopes:',
      },
    ]);
  });

  it('fails when an agent name is unsafe, at the Agent cell', async () => {
    const files = markdownTable(table('| Invoice/Summarizer | Upload PDF | storage.objects.create |\n'));
    expect(await problemsOfFiles(files)).toEqual([
      {
        rule: 'unsafe-name',
        file: files.table,
        line: 6,
        column: 3,
        agent: 'invoice/summarizer',
        value: 'Invoice/Summarizer',
        message: 'agent name is not safe in Vault paths, IAM role names and Terraform identifiers',
        fix: expect.stringContaining('letters, digits and single hyphens'),
      },
    ]);
  });

  it('fails when no catalog is given, naming --catalog', async () => {
    expect(await problemsOfFiles({ table: SEED })).toEqual([
      {
        rule: 'file',
        file: SEED,
        line: 0,
        column: 0,
        message: 'a Markdown table names scopes but does not define them',
        fix: 'pass the scope catalog with --catalog scopes.yaml',
      },
    ]);
  });

  it('fails when the catalog given does not exist, naming --catalog', async () => {
    const catalog = join(FIXTURES, 'no-such-catalog.yaml');
    expect(await problemsOfFiles({ table: SEED, catalog })).toEqual([
      { rule: 'file', file: catalog, line: 0, column: 0, message: 'file not found', fix: expect.stringContaining('--catalog') },
    ]);
  });

  it('fails when the Markdown file has no agent table', async () => {
    const files = markdownTable('# Agents\n\nLead-Enricher reads contacts | and writes tags.\n\n| Name | Value |\n|---|---|\n| a | b |\n');
    expect(await problemsOfFiles(files)).toEqual([
      {
        rule: 'markdown-table',
        file: files.table,
        line: 0,
        column: 0,
        message: 'no agent table found',
        fix: expect.stringContaining('"Agent | Required Action | API Scope" followed by a separator row'),
      },
    ]);
  });

  it('fails when the table has an unknown column, at that column', async () => {
    const files = markdownTable('Agent | Required Action | API Scope | Cost\n---|---|---|---\nEmail-Notifier | Send email | mail.send | 3\n');
    expect(await problemsOfFiles(files)).toEqual([
      {
        rule: 'unknown-key',
        file: files.table,
        line: 1,
        column: 39,
        value: 'Cost',
        message: 'unknown column',
        fix: 'use only the columns Agent, Required Action, API Scope, Owner, Platform',
      },
    ]);
  });

  it('fails when the table has no API Scope column', async () => {
    const files = markdownTable('Agent | Required Action\n---|---\nEmail-Notifier | Send email\n');
    expect(await problemsOfFiles(files)).toEqual([
      {
        rule: 'markdown-table',
        file: files.table,
        line: 1,
        column: 1,
        message: 'the table has no "API Scope" column',
        fix: 'use the header "Agent | Required Action | API Scope"',
      },
    ]);
  });
});
