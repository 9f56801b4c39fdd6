/**
 * Secrets that a table carries (issue: hostile input, class 4): a value
 * shaped like a credential is an error anywhere in the table, and no message
 * (of that rule or any other) shows more than a redacted prefix of it.
 */
import { join } from 'path';
import { run } from '../../cli/main';
import { loadFleet, TableError } from '../../table';
import { redact } from '../../model/secret-patterns';
import { BASE_SCOPES, writeFiles } from '../helpers';

// Made-up credentials in their issuers' documented shapes (none of them is real).
const STRIPE = 'sk_live_' + '4eC39HqLyjWDarjtT1zdp7dc';
const GITHUB = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
const AWS_KEY = 'AKIA' + 'IOSFODNN7EXAMPLE';
const OPENAI = 'sk-proj-' + 'Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0F';
const JWT = 'eyJhbGciOiJIUzI1NiJ9' + '.eyJzdWIiOiJhZ2VudC0xIn0' + '.c2lnbmF0dXJlLW9mLWl0';

const table = (agentExtra = '', rest = ''): string =>
  `version: 1\n${BASE_SCOPES}agents:\n  - name: lead-enricher\n    owner: growth@acme.example\n    actions:\n      - { action: Read contact info, scopes: [crm.contacts.read] }\n${agentExtra}${rest}`;

async function refused(yaml: string): Promise<TableError> {
  const dir = writeFiles({ 'agents.yaml': yaml });
  try {
    await loadFleet({ table: join(dir, 'agents.yaml') });
  } catch (e) {
    if (e instanceof TableError) return e;
    throw e;
  }
  throw new Error('expected the table to be refused');
}

describe('a secret-shaped value anywhere in the table is an error that shows it redacted', () => {
  it.each([
    ['a Stripe key in a description', `    description: "billing agent, key ${STRIPE}"\n`, '', STRIPE, 'Stripe live key', 18],
    ['a GitHub token as an owner', '', '', GITHUB, 'GitHub token', 15],
    ['an AWS access key id in a scope description', '', '', AWS_KEY, 'AWS access key id', 0],
    ['a JSON Web Token as a scope name (a key)', '', '', JWT, 'JSON Web Token', 0],
    [
      'a URL with user info as a tokenUrl',
      '',
      'credentials:\n  hubspot: { rotator: oauth2-refresh, tokenUrl: "https://bot:hunter2hunter2@auth.example/token" }\n',
      'https://bot:hunter2hunter2@a',
      'URL with user info (a password in the URL)',
      0,
    ],
  ])('fails on %s', async (label, extra, rest, secret, kind) => {
    let yaml = table(extra, rest);
    if (label.includes('owner')) yaml = yaml.replace('owner: growth@acme.example', `owner: ${GITHUB}`);
    if (label.includes('scope description'))
      yaml = yaml.replace('  mail.send: { secret: sendgrid }', `  mail.send: { secret: sendgrid, description: "uses ${AWS_KEY}" }`);
    if (label.includes('scope name')) yaml = yaml.replace('  mail.send: { secret: sendgrid }', `  "${JWT}": { secret: sendgrid }`);
    const e = await refused(yaml);
    const found = e.problems.filter((p) => p.rule === 'secret-in-table');
    expect(found.map((p) => p.message)).toEqual([`${label.includes('(a key)') ? 'key' : 'value'} holds what looks like a ${kind}`]);
    expect(found[0].value).toContain(redact(secret));
    expect(found[0].fix).toBe(
      'remove it and revoke it at its issuer (the table is in the repository); credentials reach Vault through TF_VAR_seed__… or the rotation, never the table',
    );
    // Not in any problem, nor in the message the CLI prints.
    const secretPart = secret.slice(4, 20);
    expect(JSON.stringify(e.problems)).not.toContain(secretPart);
    expect(e.message).not.toContain(secretPart);
  });

  it("redacts the secret in every other rule's problem too (an unknown scope named by a key)", async () => {
    const e = await refused(table().replace('scopes: [crm.contacts.read]', `scopes: [${OPENAI}]`));
    expect(e.problems.map((p) => [p.rule, p.value])).toEqual([
      ['secret-in-table', redact(OPENAI)],
      ['unknown-scope', redact(OPENAI)],
    ]);
    expect(e.message).not.toContain(OPENAI.slice(4));
  });

  it('redacts the user info of a tokenUrl in both problems that name it', async () => {
    const e = await refused(table('', 'credentials:\n  hubspot: { rotator: oauth2-refresh, tokenUrl: "https://bot:hunter2hunter2@auth.example/token" }\n'));
    expect(e.problems.map((p) => p.rule).sort()).toEqual(['invalid-value', 'secret-in-table']);
    expect(e.problems.find((p) => p.rule === 'invalid-value')!.message).toBe('tokenUrl carries user info (user:password@); credentials never go in a URL');
    expect(e.message).not.toContain('hunter2');
  });

  it('never prints the secret from the CLI', async () => {
    const dir = writeFiles({ 'agents.yaml': table(`    description: "${STRIPE}"\n`) });
    let err = '';
    const code = await run(['validate', '--table', join(dir, 'agents.yaml')], { out: () => undefined, err: (t) => (err += t), cwd: dir, env: {} });
    expect(code).toBe(1);
    expect(err).toContain('[secret-in-table]');
    expect(err).toContain(redact(STRIPE));
    expect(err).not.toContain(STRIPE.slice(4));
  });

  it('loads values that only resemble a prefix (an ARN, a hash, a Vault path)', async () => {
    const dir = writeFiles({ 'agents.yaml': table('    description: "reads sk-contacts and ghp_notes; sha256:0123456789abcdef0123456789abcdef"\n') });
    expect((await loadFleet({ table: join(dir, 'agents.yaml') })).agents[0].description).toContain('sk-contacts');
  });
});
