import { alarmName, BUILTIN_FLEET_SETTINGS, iamPolicyFor, parseAlarmName, revokerVaultPolicy, rotatorVaultPolicy } from '../../model';
import { BASE_SCOPES, fleetFromYaml, problemsOf } from '../helpers';

const AGENTS = `agents:
  - name: lead-enricher
    owner: growth@acme.example
    actions:
      - { action: Read contact info, scopes: [crm.contacts.read] }
`;

describe('credentials:', () => {
  test('gives every secret a store and a rotator: what the table writes, its provider revoker and, where needed, its management credential', async () => {
    const fleet = await fleetFromYaml(`version: 1
credentials:
  hubspot: { rotator: oauth2-refresh, tokenUrl: "https://api.hubapi.com/oauth/v1/token" }
  sendgrid: { rotator: sendgrid-api-key, store: aws, management: mail-admin }
${BASE_SCOPES}${AGENTS}`);
    expect(fleet.credentials).toEqual({
      hubspot: {
        name: 'hubspot',
        rotator: 'oauth2-refresh',
        tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
        store: 'vault',
        rotatorWritten: true,
        provider: 'hubspot',
        revoker: 'hubspot-refresh-token',
      },
      sendgrid: {
        name: 'sendgrid',
        rotator: 'sendgrid-api-key',
        store: 'aws',
        rotatorWritten: true,
        provider: 'sendgrid',
        revoker: 'sendgrid-api-key',
        management: 'mail-admin',
      },
    });
  });

  test('rotates by default where the provider documents a rotation; manual written out stays manual; other providers stay manual', async () => {
    const fleet = await fleetFromYaml(`version: 1
credentials:
  slack: { rotator: manual }
scopes:
  crm.contacts.read: { secret: hubspot }
  mail.send: { secret: sendgrid }
  chat.post: { secret: slack }
  code.read: { http: { api: github, allow: [GET /repos/acme/site/contents/*] } }
  tickets.read: { secret: jira }
  chat.complete: { secret: openai }
agents:
  - name: lead-enricher
    owner: growth@acme.example
    actions:
      - { action: All of it, scopes: [crm.contacts.read, mail.send, chat.post, code.read, tickets.read, chat.complete] }
`);
    expect(fleet.credentials).toEqual({
      github: {
        name: 'github',
        rotator: 'github-app',
        tokenUrl: 'https://api.github.com/app/installations',
        store: 'vault',
        provider: 'github',
        revoker: 'github-credentials-revoke',
      },
      hubspot: {
        name: 'hubspot',
        rotator: 'oauth2-refresh',
        tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
        store: 'vault',
        provider: 'hubspot',
        revoker: 'hubspot-refresh-token',
      },
      jira: { name: 'jira', rotator: 'manual', store: 'vault' },
      openai: {
        name: 'openai',
        rotator: 'openai-service-account',
        store: 'vault',
        provider: 'openai',
        revoker: 'openai-project-key',
        management: 'openai-management',
      },
      sendgrid: {
        name: 'sendgrid',
        rotator: 'sendgrid-api-key',
        store: 'vault',
        provider: 'sendgrid',
        revoker: 'sendgrid-api-key',
        management: 'sendgrid-management',
      },
      slack: { name: 'slack', rotator: 'manual', store: 'vault', rotatorWritten: true, provider: 'slack', revoker: 'slack-auth-revoke' },
    });
  });

  test('fails when an oauth2-refresh credential of an unknown provider has no token endpoint, or a plain-http one; a bad management name', async () => {
    const problems = await problemsOf(`version: 1
credentials:
  jira: { rotator: oauth2-refresh }
  sendgrid: { rotator: oauth2-refresh, tokenUrl: "http://example.com/token", revocationUrl: "http://example.com/revoke", management: Admin_Key }
scopes:
  tickets.read: { secret: jira }
  mail.send: { secret: sendgrid }
agents:
  - name: lead-enricher
    owner: growth@acme.example
    actions:
      - { action: Both, scopes: [tickets.read, mail.send] }
`);
    expect(problems.map((p) => [p.rule, p.line, p.value, p.message])).toEqual([
      ['missing-key', 3, undefined, "an oauth2-refresh credential needs the provider's token endpoint"],
      ['invalid-value', 4, 'http://example.com/token', 'tokenUrl is not an https:// URL'],
      ['invalid-value', 4, 'http://example.com/revoke', 'revocationUrl is not an https:// URL'],
      ['invalid-name', 4, 'Admin_Key', 'management must name a secret: lowercase letters, digits and single dashes'],
    ]);
  });

  test('fails when a rotator or store is unknown, or tokenUrl is given to another rotator', async () => {
    const problems = await problemsOf(`version: 1
credentials:
  hubspot: { rotator: magic }
  sendgrid: { store: s3 }
  slack: { rotator: manual, tokenUrl: "https://slack.com/api/oauth.v2.access" }
scopes:
  crm.contacts.read: { secret: hubspot }
  mail.send: { secret: sendgrid }
  chat.post: { secret: slack }
${AGENTS}`);
    expect(problems.map((p) => [p.rule, p.line, p.value, p.message])).toEqual([
      ['invalid-value', 3, 'magic', 'rotator: expected one of manual, oauth2-refresh, sendgrid-api-key, openai-service-account, github-app'],
      ['invalid-value', 4, 's3', 'store: expected vault or aws'],
      ['unused-setting', 5, 'https://slack.com/api/oauth.v2.access', 'tokenUrl applies only to rotator oauth2-refresh or github-app, not manual'],
    ]);
  });

  test('warns about a credential no scope names', async () => {
    const fleet = await fleetFromYaml(`version: 1
credentials:
  salesforce: { rotator: manual }
${BASE_SCOPES}${AGENTS}`);
    expect(fleet.warnings.map((w) => [w.rule, w.line, w.value])).toEqual([['unused-setting', 3, 'salesforce']]);
    expect(fleet.credentials).not.toHaveProperty('salesforce');
  });
});

describe('fleet: operations settings', () => {
  test('applies the built-in retention, grace and webhook notifications', async () => {
    const fleet = await fleetFromYaml(`version: 1\n${BASE_SCOPES}${AGENTS}`);
    expect(fleet.settings).toEqual({ ...BUILTIN_FLEET_SETTINGS, notify: undefined });
    expect(fleet.settings.logRetentionDays).toBe(365);
    expect(fleet.settings.rotationGrace).toBe(3600);
  });

  test('reads retention, grace, Vault address and a Slack channel', async () => {
    const fleet = await fleetFromYaml(`version: 1
fleet:
  logRetentionDays: 731
  rotationGrace: 30m
  vaultAddr: https://vault.acme.example:8200
  notify: { slackTeamId: T0123, slackChannelId: C0456 }
${BASE_SCOPES}${AGENTS}`);
    expect(fleet.settings).toMatchObject({
      logRetentionDays: 731,
      rotationGrace: 1800,
      vaultAddr: 'https://vault.acme.example:8200',
      notify: { slackTeamId: 'T0123', slackChannelId: 'C0456' },
    });
  });

  test('fails when retention is not one CloudWatch accepts, grace does not parse, the address is plain http, or a Slack id is missing', async () => {
    const problems = await problemsOf(`version: 1
fleet:
  logRetentionDays: 100
  rotationGrace: soon
  vaultAddr: http://vault.acme.example
  notify: { slackTeamId: T0123 }
${BASE_SCOPES}${AGENTS}`);
    expect(problems.map((p) => [p.rule, p.line, p.value])).toEqual([
      ['invalid-value', 3, '100'],
      ['invalid-duration', 4, 'soon'],
      ['invalid-value', 5, 'http://vault.acme.example'],
      ['missing-key', 6, undefined],
    ]);
  });

  test('audits to a file named after the fleet, and has no trail, unless the table says', async () => {
    const fleet = await fleetFromYaml(`version: 1\nfleet:\n  name: acme-agents\n${BASE_SCOPES}${AGENTS}`);
    expect(fleet.settings).toMatchObject({ vaultAudit: true, vaultAuditFile: '/var/log/vault/acme-agents-audit.log', cloudTrail: false });
    expect(BUILTIN_FLEET_SETTINGS).toMatchObject({ vaultAudit: true, vaultAuditFile: '/var/log/vault/scoped-agents-audit.log', cloudTrail: false });
    expect((await fleetFromYaml(`version: 1\nfleet:\n  vaultAudit: false\n${BASE_SCOPES}${AGENTS}`)).settings.vaultAudit).toBe(false);
    const set = await fleetFromYaml(`version: 1\nfleet:\n  vaultAuditFile: /srv/openbao/audit.log\n  cloudTrail: true\n${BASE_SCOPES}${AGENTS}`);
    expect(set.settings).toMatchObject({ vaultAuditFile: '/srv/openbao/audit.log', cloudTrail: true });
    expect((await fleetFromYaml(`version: 1\nfleet:\n  vaultAuditFile: stdout\n${BASE_SCOPES}${AGENTS}`)).settings.vaultAuditFile).toBe('stdout');
  });

  test('fails when the audit file is not an absolute path, cloudTrail is not a boolean, or the fleet name is too long for its derived names', async () => {
    const long = `a${'-b'.repeat(25)}`; // 51 characters
    const problems = await problemsOf(`version: 1
fleet:
  name: ${long}
  vaultAuditFile: logs/audit.log
  cloudTrail: yes please
${BASE_SCOPES}${AGENTS}`);
    expect(problems.map((p) => [p.rule, p.line, p.value, p.message])).toEqual([
      [
        'name-too-long',
        3,
        long,
        `the fleet name has 51 characters; the usage-summary function and its IAM role, ${long}-usage-summary, would pass their 64-character limit`,
      ],
      ['invalid-value', 4, 'logs/audit.log', 'vaultAuditFile is not an absolute file path on the Vault server (letters, digits, ., _, -, /) nor stdout'],
      ['invalid-value', 5, 'yes please', 'cloudTrail: expected true or false'],
    ]);
    expect((await fleetFromYaml(`version: 1\nfleet:\n  name: ${long.slice(0, 49)}\n${BASE_SCOPES}${AGENTS}`)).settings.name).toHaveLength(49);
  });

  test('fails when vaultAuditFile is given for a device the fleet does not enable', async () => {
    const problems = await problemsOf(`version: 1\nfleet:\n  vaultAudit: false\n  vaultAuditFile: /var/log/vault/x.log\n${BASE_SCOPES}${AGENTS}`);
    expect(problems.map((p) => [p.rule, p.line, p.value, p.fix])).toEqual([
      ['unused-setting', 4, '/var/log/vault/x.log', 'remove vaultAuditFile, or set vaultAudit: true'],
    ]);
  });

  test('fails when a trail would need more metric filters than a log group holds (50 agents with IAM roles)', async () => {
    const agents = Array.from(
      { length: 51 },
      (_, i) =>
        `  - name: loader-${i}\n    owner: data@acme.example\n    awsPrincipal: arn:aws:iam::123456789012:role/loader-${i}\n    actions:\n      - { action: List, scopes: [storage.buckets.read] }\n`,
    ).join('');
    const problems = await problemsOf(`version: 1\nfleet:\n  cloudTrail: true\n${BASE_SCOPES}agents:\n${agents}`);
    expect(problems.map((p) => [p.rule, p.line, p.value])).toEqual([['too-many-agents', 3, '51']]);
    expect(problems[0].fix).toBe('split the table into fleets of at most 50 agents with IAM roles, or turn cloudTrail off and use an organization trail');
    const fifty = Array.from(
      { length: 50 },
      (_, i) =>
        `  - name: loader-${i}\n    owner: data@acme.example\n    awsPrincipal: arn:aws:iam::123456789012:role/loader-${i}\n    actions:\n      - { action: List, scopes: [storage.buckets.read] }\n`,
    ).join('');
    expect((await fleetFromYaml(`version: 1\nfleet:\n  cloudTrail: true\n${BASE_SCOPES}agents:\n${fifty}`)).agents).toHaveLength(50);
  });

  test('fails when orphanAfterHours is beyond what a CloudWatch alarm evaluates', async () => {
    const problems = await problemsOf(`version: 1
defaults:
  alarms: { orphanAfterHours: 200 }
${BASE_SCOPES}${AGENTS}`);
    expect(problems.map((p) => [p.rule, p.line, p.value, p.message])).toEqual([
      ['invalid-value', 3, '200', 'orphanAfterHours is above 168, the longest span a CloudWatch alarm evaluates'],
    ]);
  });
});

describe('Secrets Manager-kept credentials in the IAM policy', () => {
  test('the agent reads exactly its own secret and decrypts with the fleet key', async () => {
    const fleet = await fleetFromYaml(`version: 1
credentials:
  hubspot: { store: aws }
${BASE_SCOPES}${AGENTS}`);
    const policy = iamPolicyFor(fleet.agents[0], {
      secretArns: { hubspot: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:scoped-agents/scoped-agents/agents/lead-enricher/hubspot-AbCdEf' },
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234',
    });
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'CredentialHubspot',
          Effect: 'Allow',
          Action: ['secretsmanager:GetSecretValue'],
          Resource: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:scoped-agents/scoped-agents/agents/lead-enricher/hubspot-AbCdEf'],
        },
        { Sid: 'CredentialsDecrypt', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: ['arn:aws:kms:eu-west-1:123456789012:key/1234'] },
      ],
    });
  });
});

describe('operations contract', () => {
  test('alarm names carry the fleet, agent and kind, and read back', () => {
    expect(alarmName('acme', 'lead-enricher', 'denied-rate')).toBe('scoped-agents/acme/lead-enricher/denied-rate');
    expect(parseAlarmName('scoped-agents/acme/lead-enricher/denied-rate')).toEqual({ fleet: 'acme', agent: 'lead-enricher', kind: 'denied-rate' });
    expect(parseAlarmName('scoped-agents/acme/lead-enricher/cpu')).toBeUndefined();
    expect(parseAlarmName('someone-elses-alarm')).toBeUndefined();
  });

  test("the functions' Vault policies name each agent's secret-id paths and policy, and nothing of any role's configuration", () => {
    const agents = ['lead-enricher', 'email-notifier'];
    const paths = [...revokerVaultPolicy(BUILTIN_FLEET_SETTINGS, agents), ...rotatorVaultPolicy(BUILTIN_FLEET_SETTINGS, agents)].map((r) => r.path);
    for (const path of paths) {
      expect(path).toMatch(
        /^(auth\/approle\/role\/agent-(lead-enricher|email-notifier)\/(role-id|secret-id|secret-id-accessor\/(destroy|lookup))|sys\/policies\/acl\/agent-(lead-enricher|email-notifier)|auth\/token\/(accessors|lookup-accessor|revoke-accessor)|kv\/(data|metadata)\/(agents|control\/revoked|management)\/\*)$/,
      );
    }
    expect(paths.filter((p) => p.includes('*') && !p.startsWith('kv/'))).toEqual([]);
  });
});

describe('operations rules in the table', () => {
  test("fails when the fleet name starts with agent-, inside the revoke function's reach", async () => {
    const problems = await problemsOf(`version: 1\nfleet: { name: agent-fleet }\n${BASE_SCOPES}${AGENTS}`);
    expect(problems.map((p) => [p.rule, p.line, p.value])).toEqual([['unsafe-name', 2, 'agent-fleet']]);
  });

  test('fails when a credential kept in AWS would rotate more often than Secrets Manager can', async () => {
    const problems = await problemsOf(`version: 1
credentials:
  hubspot: { store: aws }
${BASE_SCOPES}agents:
  - name: lead-enricher
    owner: growth@acme.example
    rotation: "rate(1 hour)"
    actions:
      - { action: Read contact info, scopes: [crm.contacts.read] }
`);
    expect(problems).toEqual([
      expect.objectContaining({
        rule: 'invalid-schedule',
        line: 18,
        agent: 'lead-enricher',
        value: 'rate(1 hour)',
        message: 'rotation is more often than Secrets Manager rotates (every 4 hours at most), and hubspot is kept in AWS',
      }),
    ]);
  });
});

test("fails when the fleet's credentials would not fit the functions' environment (Lambda's 4 KB), saying how many and how large", async () => {
  const names = Array.from({ length: 80 }, (_, i) => `tool-${i}`);
  const problems = await problemsOf(`version: 1
scopes:
${names.map((n) => `  ${n}.use: { secret: ${n} }`).join('\n')}
agents:
  - name: everything-bot
    owner: ops@acme.example
    actions:
      - { action: Use every tool, scopes: [${names.map((n) => `${n}.use`).join(', ')}] }
`);
  expect(problems.map((p) => [p.rule, p.value])).toEqual([['too-many-credentials', '80']]);
  expect(problems[0]!.message).toMatch(
    /^the fleet's 80 credentials take \d{4} bytes of the rotate and revoke functions' environment, more than the 3000 that fit beside the rest of Lambda's 4 KB$/,
  );
});

test("fails when an agent would read a GitHub App credential (the App's private key) itself; a token of its own is written manual", async () => {
  const table = (credentials: string): string => `version: 1
${credentials}scopes:
  code.read: { secret: github }
agents:
  - name: release-bot
    owner: platform@acme.example
    actions:
      - { action: Read the code, scopes: [code.read] }
`;
  const problems = await problemsOf(table(''));
  expect(problems.map((p) => [p.rule, p.agent, p.value, p.message, p.fix])).toEqual([
    [
      'github-app-direct',
      'release-bot',
      'github',
      "github is a GitHub App credential (its entry holds the App's private key), and release-bot would read it itself",
      'call GitHub through the gateway (give its github scopes http: grants), or write credentials.github.rotator: manual for a token of its own',
    ],
  ]);
  const manual = await fleetFromYaml(table('credentials:\n  github: { rotator: manual }\n'));
  expect(manual.credentials.github).toMatchObject({ rotator: 'manual', rotatorWritten: true, revoker: 'github-credentials-revoke' });
});
