import {
  Agent,
  BUILTIN_FLEET_SETTINGS,
  formatDuration,
  iamPolicyFor,
  parseDuration,
  parseVaultPolicy,
  renderVaultPolicy,
  secretEntriesFor,
  sidFor,
  trustPolicyFor,
  vaultPolicyRulesFor,
} from '../../model';
import { resolvedAgent } from '../helpers';

/** lead-enricher, as the seed resolves it, with the given changes. */
function agent(overrides: Partial<Agent>): Agent {
  return resolvedAgent({ name: 'lead-enricher', ...overrides });
}

const settings = BUILTIN_FLEET_SETTINGS;

describe('secretEntriesFor', () => {
  test('gives one entry per credential, listing every scope it must carry, sorted', () => {
    const a = agent({
      scopes: [
        { kind: 'secret', name: 'crm.tags.write', secret: 'hubspot' },
        { kind: 'secret', name: 'crm.contacts.read', secret: 'hubspot' },
        { kind: 'secret', name: 'chat.post', secret: 'slack' },
        { kind: 'vault', name: 'x.encrypt', path: 'transit/encrypt/x', capabilities: ['update'] },
      ],
    });
    const credentials = {
      hubspot: { name: 'hubspot', rotator: 'oauth2-refresh', tokenUrl: 'https://api.hubapi.com/oauth/v1/token', store: 'vault' },
      slack: { name: 'slack', rotator: 'manual', store: 'aws' },
    } as const;
    expect(secretEntriesFor(a, settings, credentials)).toEqual([
      {
        secret: 'hubspot',
        store: 'vault',
        rotator: 'oauth2-refresh',
        mount: 'kv',
        name: 'agents/lead-enricher/hubspot',
        dataPath: 'kv/data/agents/lead-enricher/hubspot',
        secretsManagerName: 'scoped-agents/scoped-agents/agents/lead-enricher/hubspot',
        scopes: ['crm.contacts.read', 'crm.tags.write'],
        readBy: 'agent',
      },
      {
        secret: 'slack',
        store: 'aws',
        rotator: 'manual',
        mount: 'kv',
        name: 'agents/lead-enricher/slack',
        dataPath: 'kv/data/agents/lead-enricher/slack',
        secretsManagerName: 'scoped-agents/scoped-agents/agents/lead-enricher/slack',
        scopes: ['chat.post'],
        readBy: 'agent',
      },
    ]);
  });
});

describe('vaultPolicyRulesFor', () => {
  test('merges capabilities per path, sorts paths, and says why each path is there', () => {
    const a = agent({
      scopes: [
        { kind: 'vault', name: 'b.write', path: 'secret/data/b', capabilities: ['update', 'create'] },
        { kind: 'vault', name: 'b.read', path: 'secret/data/b', capabilities: ['read'] },
        { kind: 'secret', name: 'crm.contacts.read', secret: 'hubspot' },
        { kind: 'aws', name: 's3.read', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] },
      ],
    });
    expect(vaultPolicyRulesFor(a, settings)).toEqual([
      { path: 'auth/token/lookup-self', capabilities: ['read'], reason: 'token self-service' },
      { path: 'auth/token/renew-self', capabilities: ['update'], reason: 'token self-service' },
      { path: 'aws/creds/agent-lead-enricher', capabilities: ['read'], reason: 'AWS session for its aws: scopes' },
      { path: 'kv/data/agents/lead-enricher/hubspot', capabilities: ['read'], reason: 'crm.contacts.read' },
      { path: 'secret/data/b', capabilities: ['create', 'read', 'update'], reason: 'b.read; b.write' },
    ]);
  });

  test('grants no aws/creds path when the agent assumes its role through its own principal', () => {
    const a = agent({
      awsPrincipal: 'arn:aws:iam::123456789012:role/runtime',
      scopes: [{ kind: 'aws', name: 's3.read', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'] }],
    });
    expect(vaultPolicyRulesFor(a, settings).map((r) => r.path)).toEqual(['auth/token/lookup-self', 'auth/token/renew-self']);
  });

  test('renders HCL that parses back to the same rules', () => {
    const rules = vaultPolicyRulesFor(agent({ scopes: [{ kind: 'secret', name: 'mail.send', secret: 'sendgrid' }] }), settings);
    const hcl = renderVaultPolicy('lead-enricher', rules);
    expect(hcl).toContain('# mail.send\npath "kv/data/agents/lead-enricher/sendgrid" {\n  capabilities = ["read"]\n}\n');
    expect(parseVaultPolicy(hcl)).toEqual(rules.map(({ path, capabilities }) => ({ path, capabilities })));
  });
});

describe('iamPolicyFor', () => {
  test('writes one statement per aws: scope, sorted by Sid', () => {
    const a = agent({
      scopes: [
        { kind: 'aws', name: 'storage.objects.create', actions: ['s3:PutObject'], resources: ['arn:aws:s3:::acme-invoices/uploads/*'] },
        { kind: 'aws', name: 'storage.buckets.read', actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::acme-invoices'] },
        { kind: 'secret', name: 'mail.send', secret: 'sendgrid' },
      ],
    });
    expect(iamPolicyFor(a)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'StorageBucketsRead', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: ['arn:aws:s3:::acme-invoices'] },
        { Sid: 'StorageObjectsCreate', Effect: 'Allow', Action: ['s3:PutObject'], Resource: ['arn:aws:s3:::acme-invoices/uploads/*'] },
      ],
    });
  });

  test('is undefined for an agent without aws: scopes', () => {
    expect(iamPolicyFor(agent({ scopes: [{ kind: 'secret', name: 'mail.send', secret: 'sendgrid' }] }))).toBeUndefined();
  });

  test('names statements after their scope', () => {
    expect(sidFor('crm.contacts-read_all')).toBe('CrmContactsReadAll');
  });

  test('trusts exactly one principal', () => {
    expect(trustPolicyFor('arn:aws:iam::123456789012:role/vault')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'OnlyItsOnePrincipal', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/vault' }, Action: 'sts:AssumeRole' }],
    });
  });
});

describe('durations', () => {
  test.each([
    ['15m', 900],
    ['1h', 3600],
    ['1h30m', 5400],
    ['90s', 90],
    ['2d', 172800],
    ['600', 600],
    [600, 600],
  ])('parses %j as %d seconds', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  test.each(['soon', '', '15 minutes', '1m1h', '0s', '-5m', 0, 1.5])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  test.each([
    [900, '15m'],
    [5400, '1h30m'],
    [90000, '1d1h'],
  ])('formats %d seconds as %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
