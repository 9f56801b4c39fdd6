import { basename, join } from 'path';
import { agentResourceName, iamPolicyFor, normalizeName, Problem } from '../../model';
import { FleetSettingsSchema, loadFleet, TableError } from '../../table';
import { BASE_SCOPES, fleetFromYaml, problemsOf, tempDir } from '../helpers';

/*
 * Line map of the tables below. A template that starts with a newline has an
 * empty line 1; BASE_SCOPES starts with one.
 *
 * withAgents(…):  1 `version: 1`, 2 empty, 3 `scopes:`, 4–12 BASE_SCOPES' entries,
 *                 13 `agents:`, the agents from line 14.
 * agent(…):       written first under agents:, its lines are
 *                 14 `  - name: …` (the name at column 11),
 *                 15 `    owner: …`, 16 `    actions:`,
 *                 17 `      - { action: Read contact info, scopes: [ … ] }` (first scope at column 47),
 *                 18… its `extra` lines (keys at column 5).
 * withScope(…):   1 `version: 1`, 2 `scopes:`, 3… the lines of one scope `test.scope`,
 *                 then one valid agent that uses it.
 */

/** A table with BASE_SCOPES whose `agents:` (line 13) lists `agents`. */
const withAgents = (agents: string): string => `version: 1\n${BASE_SCOPES}agents:\n${agents}`;

/** One agent with one action; `extra` lines follow the action. */
const agent = (name: string, extra = '', scopes = 'crm.contacts.read'): string =>
  `  - name: ${name}\n    owner: growth@acme.example\n    actions:\n      - { action: Read contact info, scopes: [${scopes}] }\n${extra}`;

/** A table whose catalog is the one scope `test.scope`, written from line 3 as `lines`. */
const withScope = (lines: string): string => `version: 1\nscopes:\n${lines}agents:\n${agent('lead-enricher', '', 'test.scope')}`;

/** `test.scope` as an aws: grant. With one action and one resource: action on line 6, resource on line 8, both at column 11. */
const awsScope = (actions: string[], resources: string[]): string =>
  [
    '  test.scope:',
    '    aws:',
    '      actions:',
    ...actions.map((a) => `        - "${a}"`),
    '      resources:',
    ...resources.map((r) => `        - "${r}"`),
    '',
  ].join('\n');

/** `test.scope` as a vault: grant: path on line 5 at column 13, capabilities from line 7 at column 11. */
const vaultScope = (path: string, capabilities: string[]): string =>
  ['  test.scope:', '    vault:', `      path: "${path}"`, '      capabilities:', ...capabilities.map((c) => `        - ${c}`), ''].join('\n');

/** A problem in `agents.yaml` (as problemsOf reports it). */
const problem = (p: Omit<Problem, 'file'>): Problem => ({ file: 'agents.yaml', ...p });

describe('validateTable: failing tables', () => {
  describe('unknown scope', () => {
    it('fails when an action names a scope the catalog lacks, and suggests the closest', async () => {
      expect(await problemsOf(withAgents(agent('lead-enricher', '', 'crm.contact.read')))).toEqual([
        problem({
          rule: 'unknown-scope',
          line: 17,
          column: 47,
          agent: 'lead-enricher',
          value: 'crm.contact.read',
          message: 'scope is not in the scope catalog',
          fix: 'did you mean crm.contacts.read? Otherwise add it under scopes:',
        }),
      ]);
    });

    it('fails when the unknown scope is second in its list, pointing at that scope', async () => {
      // `crm.contacts.read, ` is 19 characters, so the second scope starts at 47 + 19.
      expect(await problemsOf(withAgents(agent('lead-enricher', '', 'crm.contacts.read, crm.tagz.write')))).toEqual([
        problem({
          rule: 'unknown-scope',
          line: 17,
          column: 66,
          agent: 'lead-enricher',
          value: 'crm.tagz.write',
          message: 'scope is not in the scope catalog',
          fix: 'did you mean crm.tags.write? Otherwise add it under scopes:',
        }),
      ]);
    });

    it('fails when an unknown scope resembles none, and says how to add it', async () => {
      expect(await problemsOf(withAgents(agent('lead-enricher', '', 'billing.refunds.issue')))).toEqual([
        problem({
          rule: 'unknown-scope',
          line: 17,
          column: 47,
          agent: 'lead-enricher',
          value: 'billing.refunds.issue',
          message: 'scope is not in the scope catalog',
          fix: 'add it under scopes: with its secret, aws or vault grant',
        }),
      ]);
    });
  });

  describe('duplicate agent', () => {
    it.each([
      ['Lead\u2011Enricher', 'a non-breaking hyphen (U+2011)'],
      ['Lead Enricher', 'a space'],
      ['LEAD_ENRICHER', 'capitals and an underscore'],
    ])('fails when %s (%s) normalizes to an agent already defined', async (written) => {
      // The second agent starts on line 18, four lines after the first.
      expect(await problemsOf(withAgents(agent('lead-enricher') + agent(written)))).toEqual([
        problem({
          rule: 'duplicate-agent',
          line: 18,
          column: 11,
          agent: 'lead-enricher',
          value: written,
          message: expect.stringMatching(/^agent "lead-enricher" is already defined at \S*\/agents\.yaml:14$/),
          fix: expect.stringContaining('give each agent its own name'),
        }),
      ]);
    });
  });

  describe('shared credential', () => {
    const principal = 'arn:aws:iam::123456789012:role/agent-runtime';
    const withPrincipal = (name: string): string => agent(name, `    awsPrincipal: ${principal}\n`, 'storage.buckets.read');

    it('fails when two agents run as the same AWS principal', async () => {
      // Second agent: lines 19–23, its awsPrincipal on line 23 with the value at column 5 + 14.
      expect(await problemsOf(withAgents(withPrincipal('invoice-summarizer') + withPrincipal('invoice-archiver')))).toEqual([
        problem({
          rule: 'shared-credential',
          line: 23,
          column: 19,
          agent: 'invoice-archiver',
          value: principal,
          message: 'agent shares its AWS runtime principal with agent invoice-summarizer',
          fix: expect.stringContaining('give each agent its own runtime role'),
        }),
      ]);
    });

    const onGithub = (name: string, environment: string): string =>
      agent(name, `    platform: github-actions\n    github: { repository: acme/releases, environment: ${environment} }\n`, 'mail.send');

    it('fails when two agents are bound to the same GitHub repository and environment', async () => {
      // Second agent: lines 20–25, its github: on line 25 with the value at column 5 + 8.
      expect(await problemsOf(withAgents(onGithub('release-notes', 'production') + onGithub('release-tagger', 'production')))).toEqual([
        problem({
          rule: 'shared-credential',
          line: 25,
          column: 13,
          agent: 'release-tagger',
          value: 'acme/releases@production',
          message: 'agent shares its GitHub repository and environment with agent release-notes',
          fix: expect.stringContaining('its own GitHub environment'),
        }),
      ]);
    });

    it('loads two agents in the same GitHub repository with their own environments', async () => {
      const fleet = await fleetFromYaml(withAgents(onGithub('release-notes', 'notes') + onGithub('release-tagger', 'tags')));
      expect(fleet.agents.map((a) => [a.name, a.github])).toEqual([
        ['release-notes', { repository: 'acme/releases', environment: 'notes' }],
        ['release-tagger', { repository: 'acme/releases', environment: 'tags' }],
      ]);
    });
  });

  describe('aws: grants', () => {
    it.each(['s3:*', 's3:Get*', '*', 's3:GetObjec?'])('fails when an IAM action is the wildcard %s', async (action) => {
      expect(await problemsOf(withScope(awsScope([action], ['arn:aws:s3:::acme-invoices'])))).toEqual([
        problem({
          rule: 'wildcard-action',
          line: 6,
          column: 11,
          value: action,
          message: 'IAM action is a wildcard action',
          fix: expect.stringContaining('list each action the agent needs'),
        }),
      ]);
    });

    it.each([
      ['*', 'resource matches every resource'],
      [
        'arn:aws:s3:::acme-*',
        'resource has a wildcard where the resource is named; in s3 ARNs a wildcard may only narrow objects under a named bucket (bucket/prefix/*), or objects of a named access point',
      ],
      [
        'arn:aws:s3:::*/uploads/report.pdf',
        'resource has a wildcard where the resource is named; in s3 ARNs a wildcard may only narrow objects under a named bucket (bucket/prefix/*), or objects of a named access point',
      ],
      [
        'arn:aws:dynamodb:us-east-1:123456789012:table/*',
        "resource has a wildcard where the resource is named; in dynamodb ARNs a wildcard may only narrow a named table's indexes or streams",
      ],
      ['arn:aws:dynamodb:*:123456789012:table/invoices', 'resource has a wildcard in its partition, service, region or account'],
    ])('fails when a resource is the wildcard %s', async (arn, message) => {
      expect(await problemsOf(withScope(awsScope(['s3:GetObject'], [arn])))).toEqual([
        problem({ rule: 'wildcard-resource', line: 8, column: 11, value: arn, message, fix: expect.stringContaining('name the resource') }),
      ]);
    });

    it.each([
      ['s3:PutObject', 'arn:aws:s3:::acme-invoices/uploads/*'],
      ['dynamodb:Query', 'arn:aws:dynamodb:us-east-1:123456789012:table/invoices/index/*'],
    ])('loads %s on %s: a wildcard below a named resource narrows it', async (action, arn) => {
      const fleet = await fleetFromYaml(withScope(awsScope([action], [arn])));
      expect(iamPolicyFor(fleet.agents[0])?.Statement).toEqual([{ Sid: 'TestScope', Effect: 'Allow', Action: [action], Resource: [arn] }]);
    });

    it.each([
      ['s3:GetObjekt', 'IAM action is not an action of s3'],
      ['nosuchservice:GetThing', 'IAM action names an unknown AWS service "nosuchservice"'],
      ['s3GetObject', 'IAM action is not of the form service:Action'],
    ])('fails when the IAM action %s does not exist', async (action, message) => {
      expect(await problemsOf(withScope(awsScope([action], ['arn:aws:s3:::acme-invoices'])))).toEqual([
        problem({
          rule: 'unknown-iam-action',
          line: 6,
          column: 11,
          value: action,
          message,
          fix: expect.stringContaining('AWS service authorization reference'),
        }),
      ]);
    });

    it.each([
      ['acme-invoices', 'resource is not an ARN (arn:partition:service:region:account:resource)'],
      ['arn:aws:s3', 'resource is not an ARN (arn:partition:service:region:account:resource)'],
      ['arn:aws-moon:s3:::acme-invoices', 'resource has an unknown partition "aws-moon"'],
      ['arn:aws:dynamodb:us-east-1:12345:table/invoices', 'resource has an invalid account "12345" (12 digits)'],
      ['arn:aws:s3:::', 'resource names no resource'],
    ])('fails when the resource %s is a malformed ARN', async (arn, message) => {
      expect(await problemsOf(withScope(awsScope(['s3:GetObject'], [arn])))).toEqual([
        problem({ rule: 'invalid-arn', line: 8, column: 11, value: arn, message, fix: expect.stringContaining('write a full ARN') }),
      ]);
    });

    it("fails when an agent's awsPrincipal is not a role or user ARN", async () => {
      const arn = 'arn:aws:s3:::acme-invoices';
      expect(await problemsOf(withAgents(agent('invoice-summarizer', `    awsPrincipal: ${arn}\n`, 'storage.buckets.read')))).toEqual([
        problem({
          rule: 'invalid-arn',
          line: 18,
          column: 19,
          agent: 'invoice-summarizer',
          value: arn,
          message: 'awsPrincipal is not an IAM role or user ARN',
          fix: expect.stringContaining('the ARN of the role the agent runs as'),
        }),
      ]);
    });
  });

  describe('vault: grants', () => {
    it.each([
      ['write', 'capability is not one Vault policies accept'],
      ['sudo', 'sudo only matters on root-protected paths, which agents must not reach'],
    ])('fails when a capability is %s', async (capability, message) => {
      expect(await problemsOf(withScope(vaultScope('transit/encrypt/invoices', ['update', capability])))).toEqual([
        problem({
          rule: 'invalid-capability',
          line: 8,
          column: 11,
          value: capability,
          message,
          fix: 'use capabilities from: create, read, update, patch, delete, list, deny, subscribe',
        }),
      ]);
    });

    it.each([
      ['sys/policies/acl/admin', 'Vault path is under sys/, which agents must not reach'],
      ['auth/token/create', 'Vault path is under auth/, which agents must not reach'],
      ['transit/../sys/seal', 'Vault path contains a . or .. segment'],
      ['/transit/encrypt/invoices', 'Vault path starts with /; write the API path without it, e.g. transit/encrypt/invoices'],
      ['transit/encrypt/*', 'Vault path contains a wildcard (* or +); name the exact path'],
      ['transit/+/invoices', 'Vault path contains a wildcard (* or +); name the exact path'],
      ['kv/data/agents/other/hubspot', "Vault path is in the fleet's KV mount kv/, which holds only the agents' own entries; use a secret: scope"],
      ['aws/creds/agent-other', "Vault path is in the AWS secrets engine aws/, which brokers each agent's own role; use an aws: scope"],
    ])('fails when the Vault path is %s', async (path, message) => {
      expect(await problemsOf(withScope(vaultScope(path, ['read'])))).toEqual([
        problem({ rule: 'unsafe-vault-path', line: 5, column: 13, value: path, message, fix: expect.stringContaining('grant an exact path') }),
      ]);
    });

    it('fails when the Vault path is inside a kv mount the fleet renamed', async () => {
      const yaml = `version: 1\nfleet: { kvMount: secrets }\n${withScope(vaultScope('secrets/data/agents/other/hubspot', ['read'])).slice('version: 1\n'.length)}`;
      // fleet: takes line 2, so the path moves to line 6.
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'unsafe-vault-path',
          line: 6,
          column: 13,
          value: 'secrets/data/agents/other/hubspot',
          message: "Vault path is in the fleet's KV mount secrets/, which holds only the agents' own entries; use a secret: scope",
          fix: expect.stringContaining('grant an exact path'),
        }),
      ]);
    });
  });

  describe('unknown keys', () => {
    const AGENT_KEYS =
      'actions, alarms, awsPrincipal, boundCidrs, credentialMaxTtl, credentialTtl, description, gateway, github, name, owner, permissionsBoundary, platform, rotation, secretIdTtl';
    const DEFAULTS_KEYS = 'alarms, boundCidrs, credentialMaxTtl, credentialTtl, owner, permissionsBoundary, platform, rotation, secretIdTtl';

    it.each([
      [
        'at the top level',
        `version: 1\ncolour: blue\n${BASE_SCOPES}agents:\n${agent('lead-enricher')}`,
        2,
        1,
        undefined,
        'colour',
        '$schema, agents, apis, credentials, defaults, fleet, scopes, version',
      ],
      ['in defaults', `version: 1\ndefaults:\n  ttl: 15m\n${BASE_SCOPES}agents:\n${agent('lead-enricher')}`, 3, 3, undefined, 'ttl', DEFAULTS_KEYS],
      [
        'in fleet',
        `version: 1\nfleet:\n  region: eu-west-1\n${BASE_SCOPES}agents:\n${agent('lead-enricher')}`,
        3,
        3,
        undefined,
        'region',
        Object.keys(FleetSettingsSchema.shape).sort().join(', '),
      ],
      ['in an agent', withAgents(agent('lead-enricher', '    role: admin\n')), 18, 5, 'lead-enricher', 'role', AGENT_KEYS],
      [
        'in an action',
        withAgents(agent('lead-enricher', '      - { action: Tag, scopes: [crm.tags.write], why: x }\n')),
        18,
        50,
        'lead-enricher',
        'why',
        'action, scopes',
      ],
      [
        'in a scope',
        withScope('  test.scope:\n    secret: hubspot\n    descripton: Read CRM contacts\n'),
        5,
        5,
        undefined,
        'descripton',
        'aws, description, http, keyManagement, secret, vault',
      ],
      [
        'in an aws: grant',
        withScope(awsScope(['s3:GetObject'], ['arn:aws:s3:::acme-invoices']) + '      condition: none\n'),
        9,
        7,
        undefined,
        'condition',
        'actions, resources',
      ],
      [
        'in alarms of an agent',
        withAgents(agent('lead-enricher', '    alarms:\n      maxCalls: 10\n')),
        19,
        7,
        'lead-enricher',
        'maxCalls',
        'maxCallsPerMinute, maxDeniedPerMinute, orphanAction, orphanAfterHours',
      ],
      [
        'in alarms of defaults',
        `version: 1\ndefaults:\n  alarms: { maxCalls: 10 }\n${BASE_SCOPES}agents:\n${agent('lead-enricher')}`,
        3,
        13,
        undefined,
        'maxCalls',
        'maxCallsPerMinute, maxDeniedPerMinute, orphanAction, orphanAfterHours',
      ],
    ])('fails when a key is unknown %s, and lists the known keys', async (_where, yaml, line, column, agentName, key, known) => {
      expect(await problemsOf(yaml)).toEqual([
        problem({ rule: 'unknown-key', line, column, agent: agentName, value: key, message: 'unknown key', fix: `remove it, or use one of: ${known}` }),
      ]);
    });
  });

  it('fails when the platform is unknown', async () => {
    expect(await problemsOf(withAgents(agent('lead-enricher', '    platform: chatgpt\n')))).toEqual([
      problem({
        rule: 'invalid-value',
        line: 18,
        column: 15,
        agent: 'lead-enricher',
        value: 'chatgpt',
        message: 'platform: expected one of claude, openai, zapier, github-actions, generic',
        fix: 'use one of claude, openai, zapier, github-actions, generic',
      }),
    ]);
  });

  describe('agent names', () => {
    it.each(['bad/name', 'a.b', '9lives', 'lead*enricher'])('fails when the agent name %s is not safe in paths and identifiers', async (name) => {
      expect(await problemsOf(withAgents(agent(name)))).toEqual([
        problem({
          rule: 'unsafe-name',
          line: 14,
          column: 11,
          agent: name,
          value: name,
          message: 'agent name is not safe in Vault paths, IAM role names and Terraform identifiers',
          fix: expect.stringContaining('letters, digits and single hyphens, starting with a letter'),
        }),
      ]);
    });

    it('fails when the agent name has 59 characters, 65 with the "agent-" prefix', async () => {
      const name = `invoice-${'x'.repeat(51)}`;
      expect(name).toHaveLength(59);
      expect(await problemsOf(withAgents(agent(name)))).toEqual([
        problem({
          rule: 'name-too-long',
          line: 14,
          column: 11,
          agent: name,
          value: name,
          message: 'agent name has 59 characters; with the "agent-" prefix that is 65, above IAM\'s 64-character role name limit',
          fix: 'shorten the name to at most 58 characters',
        }),
      ]);
    });

    it('loads an agent name of 58 characters, whose role name has exactly 64', async () => {
      const name = `invoice-${'x'.repeat(50)}`;
      const fleet = await fleetFromYaml(withAgents(agent(name)));
      expect(fleet.agents.map((a) => a.name)).toEqual([name]);
      expect(agentResourceName(fleet.agents[0])).toHaveLength(64);
    });
  });

  describe('interpolation', () => {
    const interpolation = (line: number, column: number, value: string, agentName?: string): Problem =>
      problem({
        rule: 'interpolation',
        line,
        column,
        agent: agentName,
        value,
        message: 'contains ${ or %{, which Terraform would evaluate as an expression',
        fix: expect.stringContaining('the table holds literal values only'),
      });

    it.each(['Reads ${var.crm_token}', 'Reads %{ if true }contacts%{ endif }'])('fails when an agent value contains %s', async (description) => {
      expect(await problemsOf(withAgents(agent('lead-enricher', `    description: "${description}"\n`)))).toEqual([
        interpolation(18, 18, description, 'lead-enricher'),
      ]);
    });

    it('fails when a scope description contains %{', async () => {
      const yaml = withScope('  test.scope:\n    secret: hubspot\n    description: "Tags %{ if x }VIP%{ endif }"\n');
      expect(await problemsOf(yaml)).toEqual([interpolation(5, 18, 'Tags %{ if x }VIP%{ endif }')]);
    });

    it('fails when a map key contains ${, pointing at the key', async () => {
      const yaml = `version: 1\nscopes:\n  test.scope: { secret: hubspot }\n  "\${env}.read": { secret: hubspot }\nagents:\n${agent('lead-enricher', '', 'test.scope')}`;
      expect(await problemsOf(yaml)).toEqual([
        interpolation(4, 3, '${env}.read'),
        problem({
          rule: 'unsafe-name',
          line: 4,
          column: 3,
          value: '${env}.read',
          message: 'scope name is not lowercase words joined by . _ or -',
          fix: 'name scopes like crm.contacts.read',
        }),
      ]);
    });
  });

  describe('durations and TTLs', () => {
    it.each(['15 minutes', '1h30', '-5m', 'soon'])('fails when credentialTtl %s does not parse', async (ttl) => {
      expect(await problemsOf(withAgents(agent('lead-enricher', `    credentialTtl: "${ttl}"\n`)))).toEqual([
        problem({
          rule: 'invalid-duration',
          line: 18,
          column: 20,
          agent: 'lead-enricher',
          value: ttl,
          message: 'credentialTtl is not a duration',
          fix: 'write a duration such as "15m", "1h" or "1h30m"',
        }),
      ]);
    });

    it('fails when a duration in defaults does not parse', async () => {
      const yaml = `version: 1\ndefaults:\n  credentialMaxTtl: an hour\n${BASE_SCOPES}agents:\n${agent('lead-enricher')}`;
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'invalid-duration',
          line: 3,
          column: 21,
          value: 'an hour',
          message: 'credentialMaxTtl is not a duration',
          fix: expect.stringContaining('"15m"'),
        }),
      ]);
    });

    it('fails when credentialTtl in defaults is above 1h, and says so once, not once per agent', async () => {
      const yaml = `version: 1\ndefaults:\n  credentialTtl: 90m\n  credentialMaxTtl: 2h\n${BASE_SCOPES}agents:\n${agent('lead-enricher')}${agent('email-notifier')}`;
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'ttl-ceiling',
          line: 3,
          column: 18,
          value: '90m',
          message: 'credentialTtl is above the 1h ceiling',
          fix: expect.stringContaining('1h or less'),
        }),
      ]);
    });

    it('fails when credentialTtl in an agent is above 1h', async () => {
      expect(await problemsOf(withAgents(agent('lead-enricher', '    credentialTtl: 2h\n    credentialMaxTtl: 2h\n')))).toEqual([
        problem({
          rule: 'ttl-ceiling',
          line: 18,
          column: 20,
          agent: 'lead-enricher',
          value: '2h',
          message: 'credentialTtl is above the 1h ceiling',
          fix: expect.stringContaining('1h or less'),
        }),
      ]);
    });

    it('fails when credentialMaxTtl is above 12h', async () => {
      expect(await problemsOf(withAgents(agent('lead-enricher', '    credentialMaxTtl: 13h\n')))).toEqual([
        problem({
          rule: 'ttl-ceiling',
          line: 18,
          column: 23,
          agent: 'lead-enricher',
          value: '13h',
          message: 'credentialMaxTtl is above the 12h ceiling',
          fix: 'use a max TTL of 12h or less',
        }),
      ]);
    });

    it('fails when credentialMaxTtl is below credentialTtl', async () => {
      expect(await problemsOf(withAgents(agent('lead-enricher', '    credentialTtl: 30m\n    credentialMaxTtl: 20m\n')))).toEqual([
        problem({
          rule: 'ttl-order',
          line: 19,
          column: 23,
          agent: 'lead-enricher',
          value: '20m',
          message: 'credentialMaxTtl (20m) is below credentialTtl (30m)',
          fix: 'make credentialMaxTtl at least credentialTtl',
        }),
      ]);
    });

    it("fails when an agent's credentialTtl exceeds the credentialMaxTtl it inherits", async () => {
      const yaml = `version: 1\ndefaults:\n  credentialMaxTtl: 30m\n${BASE_SCOPES}agents:\n${agent('lead-enricher', '    credentialTtl: 45m\n')}`;
      // defaults: takes lines 2–3, so the agent's extra line is 20, not 18.
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'ttl-order',
          line: 20,
          column: 20,
          agent: 'lead-enricher',
          value: '45m',
          message: 'credentialMaxTtl (30m) is below credentialTtl (45m)',
          fix: 'make credentialMaxTtl at least credentialTtl',
        }),
      ]);
    });
  });

  describe('agents and actions', () => {
    it('fails when agents: is an empty list', async () => {
      expect(await problemsOf(`version: 1\n${BASE_SCOPES}agents: []\n`)).toEqual([
        problem({ rule: 'no-agents', line: 13, column: 1, message: 'the table lists no agents', fix: expect.stringContaining('add at least one agent') }),
      ]);
    });

    it('fails when agents: is missing', async () => {
      expect(await problemsOf(`version: 1\n${BASE_SCOPES}`)).toEqual([
        problem({ rule: 'no-agents', line: 1, column: 1, message: 'the table lists no agents', fix: expect.stringContaining('add at least one agent') }),
      ]);
    });

    it('fails when an agent has no actions', async () => {
      expect(await problemsOf(withAgents('  - name: lead-enricher\n    owner: growth@acme.example\n    actions: []\n'))).toEqual([
        problem({
          rule: 'no-actions',
          line: 16,
          column: 14,
          agent: 'lead-enricher',
          message: 'agent lists no actions',
          fix: expect.stringContaining('list what the agent must do'),
        }),
      ]);
    });

    it('fails when an action lists no scopes', async () => {
      expect(await problemsOf(withAgents(agent('lead-enricher', '', '')))).toEqual([
        problem({
          rule: 'invalid-value',
          line: 17,
          column: 46,
          agent: 'lead-enricher',
          message: 'scopes: list at least one scope',
          fix: 'list scope names from the scopes: catalog',
        }),
      ]);
    });

    it('fails when an action has no scopes: key', async () => {
      const yaml = withAgents('  - name: lead-enricher\n    owner: growth@acme.example\n    actions:\n      - { action: Read contact info }\n');
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'missing-key',
          line: 17,
          column: 9,
          agent: 'lead-enricher',
          message: 'scopes is required',
          fix: 'list scope names from the scopes: catalog',
        }),
      ]);
    });

    it('fails when an agent has no owner, and none is inherited', async () => {
      const yaml = withAgents('  - name: lead-enricher\n    actions:\n      - { action: Read contact info, scopes: [crm.contacts.read] }\n');
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'missing-owner',
          line: 14,
          column: 5,
          agent: 'lead-enricher',
          message: 'agent has no owner',
          fix: expect.stringContaining('defaults.owner'),
        }),
      ]);
    });

    it('loads an agent without an owner when defaults gives one', async () => {
      const yaml = `version: 1\ndefaults: { owner: security@acme.example }\n${BASE_SCOPES}agents:\n  - name: lead-enricher\n    actions: [{ action: Read, scopes: [crm.contacts.read] }]\n`;
      expect((await fleetFromYaml(yaml)).agents.map((a) => a.owner)).toEqual(['security@acme.example']);
    });
  });

  it.each([
    ['cron(0 3 * * *)', 'rotation schedule has 5 fields; EventBridge cron has 6 (minutes hours day-of-month month day-of-week year)'],
    ['cron(0 3 * * * *)', 'rotation schedule must have ? in exactly one of day-of-month and day-of-week'],
    ['rate(1 hours)', 'rotation schedule needs the singular unit: rate(1 hour)'],
    ['rate(12 hour)', 'rotation schedule needs the plural unit: rate(12 hours)'],
    ['rate(0 days)', 'rotation schedule has a rate below 1'],
    ['nightly', 'rotation schedule is neither cron(...) nor rate(...)'],
  ])('fails when the rotation schedule is %s', async (rotation, message) => {
    expect(await problemsOf(withAgents(agent('lead-enricher', `    rotation: "${rotation}"\n`)))).toEqual([
      problem({
        rule: 'invalid-schedule',
        line: 18,
        column: 15,
        agent: 'lead-enricher',
        value: rotation,
        message,
        fix: expect.stringContaining('cron(0 3 * * ? *)'),
      }),
    ]);
  });

  it.each([
    ['10.0.0.0/33', 'bound CIDR has a prefix length above 32'],
    ['300.1.2.0/24', 'bound CIDR is not a CIDR such as 10.0.0.0/16 (an IPv4 or IPv6 address, without leading zeros, then /prefix)'],
    ['0.0.0.0/0', 'bound CIDR allows every address; name the networks the agent runs in'],
    ['10.0.0.0', 'bound CIDR is not a CIDR such as 10.0.0.0/16'],
  ])('fails when a bound CIDR is %s', async (cidr, message) => {
    // `    boundCidrs: ["10.20.0.0/16", ` is 33 characters: the second item starts at column 34.
    expect(await problemsOf(withAgents(agent('lead-enricher', `    boundCidrs: ["10.20.0.0/16", "${cidr}"]\n`)))).toEqual([
      problem({ rule: 'invalid-cidr', line: 18, column: 34, agent: 'lead-enricher', value: cidr, message, fix: 'write a CIDR block such as 10.20.0.0/16' }),
    ]);
  });

  it('fails when version is not 1', async () => {
    expect(await problemsOf(withAgents(agent('lead-enricher')).replace('version: 1', 'version: 2'))).toEqual([
      problem({ rule: 'invalid-value', line: 1, column: 10, value: '2', message: 'version: expected version: 1', fix: 'write version: 1' }),
    ]);
  });

  it('fails when version is missing', async () => {
    // Without `version: 1`, BASE_SCOPES' leading newline is line 1: the document starts on line 2.
    expect(await problemsOf(`${BASE_SCOPES}agents:\n${agent('lead-enricher')}`)).toEqual([
      problem({ rule: 'missing-key', line: 2, column: 1, message: 'version is required', fix: 'write version: 1' }),
    ]);
  });

  describe('scope kinds', () => {
    it.each([
      ['no kind', '  test.scope:\n    description: Grants nothing\n', 'scope grants nothing'],
      [
        'two kinds',
        '  test.scope:\n    secret: hubspot\n    vault: { path: transit/encrypt/invoices, capabilities: [update] }\n',
        'scope mixes secret and vault',
      ],
      [
        'all three kinds',
        '  test.scope:\n    secret: hubspot\n    aws: { actions: [s3:GetObject], resources: ["arn:aws:s3:::acme-invoices"] }\n    vault: { path: transit/encrypt/invoices, capabilities: [update] }\n',
        'scope mixes secret and aws and vault',
      ],
    ])('fails when a scope has %s', async (_what, lines, message) => {
      expect(await problemsOf(withScope(lines))).toEqual([
        problem({ rule: 'scope-kind', line: 4, column: 5, value: 'test.scope', message, fix: expect.stringContaining('exactly one of secret: NAME, aws:') }),
      ]);
    });
  });

  describe('files', () => {
    it('fails when the YAML does not parse', async () => {
      // The owner line is indented one space less than the name it belongs with.
      expect(await problemsOf('version: 1\nagents:\n  - name: lead-enricher\n   owner: growth@acme.example\n')).toEqual([
        problem({
          rule: 'yaml-syntax',
          line: 4,
          column: 1,
          message: 'YAML syntax error: Sequence item without - indicator',
          fix: 'correct the YAML syntax at this position',
        }),
      ]);
    });

    it('fails when a YAML key is written twice', async () => {
      expect(
        await problemsOf(
          withAgents(agent('lead-enricher').replace('    owner: growth@acme.example\n', '    owner: growth@acme.example\n    owner: sales@acme.example\n')),
        ),
      ).toEqual([
        problem({
          rule: 'yaml-syntax',
          line: 16,
          column: 5,
          message: 'YAML syntax error: Map keys must be unique',
          fix: 'correct the YAML syntax at this position',
        }),
      ]);
    });

    it('fails when the table file does not exist', async () => {
      const table = join(tempDir(), 'agents.yaml');
      const error: unknown = await loadFleet({ table }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TableError);
      expect((error as TableError).problems).toEqual([
        { rule: 'file', file: table, line: 0, column: 0, message: 'file not found', fix: expect.stringContaining('--table') },
      ]);
    });
  });

  describe('reporting everything at once', () => {
    it('fails with every problem of every agent, not only the first', async () => {
      const yaml = withAgents(
        agent('lead-enricher', '', 'crm.contact.read') + // 14–17: unknown scope
          agent('bad/name') + // 18–21: unsafe name
          agent('invoice-summarizer', '    platform: chatgpt\n    credentialTtl: 2h\n    credentialMaxTtl: 2h\n') + // 22–28
          '  - name: email-notifier\n    actions: []\n' + // 29–30: no actions, no owner
          agent('Lead Enricher'), // 31–34: duplicate
      );
      const problems = await problemsOf(yaml);
      expect(problems).toHaveLength(7);
      expect(problems.map((p) => [p.line, p.rule, p.agent])).toEqual([
        [17, 'unknown-scope', 'lead-enricher'],
        [18, 'unsafe-name', 'bad/name'],
        [26, 'invalid-value', 'invoice-summarizer'],
        [27, 'ttl-ceiling', 'invoice-summarizer'],
        [29, 'missing-owner', 'email-notifier'],
        [30, 'no-actions', 'email-notifier'],
        [31, 'duplicate-agent', 'lead-enricher'],
      ]);
    });

    it('fails with both an unknown key and an unknown scope of the same agent', async () => {
      const problems = await problemsOf(withAgents(agent('lead-enricher', '    colour: blue\n', 'crm.contacts.reed')));
      expect(problems.map((p) => [p.line, p.column, p.rule, p.value])).toEqual([
        [17, 47, 'unknown-scope', 'crm.contacts.reed'],
        [18, 5, 'unknown-key', 'colour'],
      ]);
    });

    it('fails with a scope problem and an agent problem together', async () => {
      const yaml = withScope(awsScope(['s3:*'], ['arn:aws:s3:::acme-invoices'])).replace('    owner: growth@acme.example\n', '');
      expect((await problemsOf(yaml)).map((p) => p.rule)).toEqual(['wildcard-action', 'missing-owner']);
    });
  });
});

describe('validateTable: warnings', () => {
  const awsAgent = (extra = ''): string => agent('invoice-summarizer', extra, 'storage.objects.create');
  const warning = (line: number, column: number, value: string): Problem => ({
    rule: 'aws-session-minimum',
    file: 'agents.yaml',
    line,
    column,
    agent: 'invoice-summarizer',
    value,
    message: 'credentialTtl is below 15m, the shortest session AWS issues; its Vault token keeps the TTL, its AWS sessions last 15m',
    fix: 'accept 15-minute AWS sessions, or raise credentialTtl to 15m',
  });
  const warningsOf = async (yaml: string): Promise<Problem[]> => (await fleetFromYaml(yaml)).warnings.map((w) => ({ ...w, file: basename(w.file) }));

  it('loads an aws: agent with credentialTtl 5m, and warns that AWS sessions last 15m', async () => {
    const fleet = await fleetFromYaml(withAgents(awsAgent('    credentialTtl: 5m\n')));
    expect(fleet.agents.map((a) => [a.name, a.credentialTtl])).toEqual([['invoice-summarizer', 300]]);
    expect(await warningsOf(withAgents(awsAgent('    credentialTtl: 5m\n')))).toEqual([warning(18, 20, '5m')]);
  });

  it('warns at defaults when the agent inherits the short credentialTtl', async () => {
    const yaml = `version: 1\ndefaults:\n  credentialTtl: 10m\n${BASE_SCOPES}agents:\n${awsAgent()}`;
    expect(await warningsOf(yaml)).toEqual([warning(3, 18, '10m')]);
  });

  it('does not warn for an agent without aws: scopes', async () => {
    expect((await fleetFromYaml(withAgents(agent('lead-enricher', '    credentialTtl: 5m\n')))).warnings).toEqual([]);
  });
});

describe('agent name normalization', () => {
  it.each([
    ['Invoice Summarizer', 'invoice-summarizer'],
    ['Lead\u2011Enricher', 'lead-enricher'],
    ['Email\u2013Notifier', 'email-notifier'],
    ['  Data__Loader  ', 'data-loader'],
    ['Soft\u00ADHyphen', 'softhyphen'],
  ])('normalizes %j to %s', (written, normalized) => {
    expect(normalizeName(written)).toBe(normalized);
  });

  it('loads agents written as the seed writes them under their kebab-case names', async () => {
    const fleet = await fleetFromYaml(withAgents(agent('Invoice Summarizer') + agent('Lead\u2011Enricher') + agent('Email\u2013Notifier')));
    expect(fleet.agents.map((a) => a.name)).toEqual(['email-notifier', 'invoice-summarizer', 'lead-enricher']);
  });
});

describe('Secrets Manager ARNs', () => {
  test('accepts the six-character suffix Secrets Manager appends to a name', async () => {
    const fleet = await fleetFromYaml(`version: 1
scopes:
  billing.key.read:
    aws: { actions: [secretsmanager:GetSecretValue], resources: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing-key-??????"] }
agents:
  - { name: biller, owner: fin@acme.example, actions: [{ action: Read the key, scopes: [billing.key.read] }] }
`);
    expect(fleet.agents[0].scopes).toEqual([
      {
        kind: 'aws',
        name: 'billing.key.read',
        description: undefined,
        actions: ['secretsmanager:GetSecretValue'],
        resources: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing-key-??????'],
      },
    ]);
  });

  test('fails when the secret name itself is a wildcard', async () => {
    const problems = await problemsOf(`version: 1
scopes:
  billing.key.read:
    aws: { actions: [secretsmanager:GetSecretValue], resources: ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:*"] }
agents:
  - { name: biller, owner: fin@acme.example, actions: [{ action: Read the key, scopes: [billing.key.read] }] }
`);
    expect(problems.map((p) => [p.rule, p.line, p.value])).toEqual([['wildcard-resource', 4, 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:*']]);
  });
});

describe('KV v2 listings', () => {
  test('fails when a vault: scope grants list on a KV v2 data/ path, which lists nothing', async () => {
    const problems = await problemsOf(`version: 1
scopes:
  reports.read:
    vault: { path: secret/data/reports/archive, capabilities: [read, list] }
agents:
  - { name: reporter, owner: ops@acme.example, actions: [{ action: Read reports, scopes: [reports.read] }] }
`);
    expect(problems).toEqual([
      {
        rule: 'invalid-capability',
        file: 'agents.yaml',
        line: 4,
        column: 70,
        agent: undefined,
        value: 'list',
        message: 'list on a KV v2 data/ path grants nothing; KV v2 lists keys under secret/metadata/',
        fix: 'grant list in its own scope on secret/metadata/reports',
      },
    ]);
  });
});
