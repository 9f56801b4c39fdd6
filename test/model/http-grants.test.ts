import { endpointFor, parseEndpoint, pathMatches, patternCovers } from '../../model/http-grants';
import { Problem } from '../../model';
import { fleetFromYaml, problemsOf } from '../helpers';

/*
 * `http:` grants: how an endpoint is read, which request paths it admits,
 * when one pattern covers another (the diff's broadening), and the table's
 * errors, each with file, line and column.
 */

describe('parseEndpoint', () => {
  it.each([
    ['GET /crm/v3/objects/contacts/*', 'GET', '/crm/v3/objects/contacts/*'],
    ['POST /v3/mail/send', 'POST', '/v3/mail/send'],
    ['PATCH /crm/v3/objects/contacts/**', 'PATCH', '/crm/v3/objects/contacts/**'],
    ['  DELETE /repos/acme/site/issues/*/labels/*  ', 'DELETE', '/repos/acme/site/issues/*/labels/*'],
    ['GET /api/chat.postMessage', 'GET', '/api/chat.postMessage'],
  ])('reads %j as %s %s', (text, method, path) => {
    expect(parseEndpoint('hubspot', text)).toEqual({ endpoint: { api: 'hubspot', method, path } });
  });

  it.each([
    ['GET', 'is not METHOD /path, e.g. GET /crm/v3/objects/contacts/*'],
    ['GET  /a', 'is not METHOD /path, e.g. GET /crm/v3/objects/contacts/*'],
    ['* /crm/v3/objects/contacts', 'grants every method; name each one, e.g. GET'],
    ['ANY /crm/v3/objects/contacts', 'grants every method; name each one, e.g. GET'],
    ['get /crm/v3/objects/contacts', 'has the method "get"; use one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (upper case)'],
    ['CONNECT /crm', 'has the method "CONNECT"; use one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS (upper case)'],
    ['GET crm/v3', 'has a path that does not start with a single /: it is a path of the API, not a URL'],
    ['GET //evil.example/x', 'has a path that does not start with a single /: it is a path of the API, not a URL'],
    ['GET https://evil.example/x', 'has a path that does not start with a single /: it is a path of the API, not a URL'],
    ['GET /crm/v3?limit=1', 'has a query string or fragment; grant the path alone'],
    ['GET /*', "has a wildcard at the root, which grants every path of the API; name the path's first segments"],
    ['GET /**', "has a wildcard at the root, which grants every path of the API; name the path's first segments"],
    ['GET /*/*', "has a wildcard at the root, which grants every path of the API; name the path's first segments"],
    ['GET /', "has a wildcard at the root, which grants every path of the API; name the path's first segments"],
    ['GET /crm//v3', 'has an empty segment (// or a trailing /)'],
    ['GET /crm/v3/', 'has an empty segment (// or a trailing /)'],
    ['GET /crm/../v3', 'has a . or .. segment'],
    ['GET /crm/./v3', 'has a . or .. segment'],
    ['GET /crm/**/contacts', 'has ** before the end; ** may only end a pattern'],
    ['GET /crm/%2e%2e/v3', 'has the segment "%2e%2e", with characters a path segment may not hold unencoded'],
    ['GET /crm/v3\\x', 'has the segment "v3\\\\x", with characters a path segment may not hold unencoded'],
    ['GET /crm/contacts*', 'has the segment "contacts*", with characters a path segment may not hold unencoded'],
  ])('refuses %j: %s', (text, problem) => {
    expect(parseEndpoint('hubspot', text)).toEqual({ problem });
  });
});

describe('pathMatches', () => {
  it.each([
    ['/crm/v3/objects/contacts/*', '/crm/v3/objects/contacts/123', true],
    ['/crm/v3/objects/contacts/*', '/crm/v3/objects/contacts', false],
    ['/crm/v3/objects/contacts/*', '/crm/v3/objects/contacts/123/associations', false],
    ['/crm/v3/objects/contacts/*', '/crm/v3/objects/companies/123', false],
    ['/crm/v3/objects/contacts/**', '/crm/v3/objects/contacts/123/associations/companies', true],
    ['/crm/v3/objects/contacts/**', '/crm/v3/objects/contacts/1', true],
    ['/crm/v3/objects/contacts/**', '/crm/v3/objects/contacts', false],
    ['/v3/mail/send', '/v3/mail/send', true],
    ['/v3/mail/send', '/v3/mail/send/', false],
    ['/v3/mail/send', '/v3/mail/sendx', false],
    ['/v3/mail/send', '/V3/mail/send', false],
    ['/repos/*/issues', '/repos//issues', false],
  ])('%s admits %s: %s', (pattern, path, admits) => {
    expect(pathMatches(pattern, path)).toBe(admits);
  });

  it('endpointFor needs the same API and method as well as the path', () => {
    const endpoints = [{ api: 'hubspot', method: 'GET' as const, path: '/crm/v3/objects/contacts/*' }];
    expect(endpointFor(endpoints, 'hubspot', 'GET', '/crm/v3/objects/contacts/1')).toEqual(endpoints[0]);
    expect(endpointFor(endpoints, 'hubspot', 'DELETE', '/crm/v3/objects/contacts/1')).toBeUndefined();
    expect(endpointFor(endpoints, 'sendgrid', 'GET', '/crm/v3/objects/contacts/1')).toBeUndefined();
  });
});

describe('patternCovers', () => {
  it.each([
    ['/a/*', '/a/b', true],
    ['/a/b', '/a/*', false],
    ['/a/**', '/a/*', true],
    ['/a/**', '/a/*/c/**', true],
    ['/a/*', '/a/**', false],
    ['/a/*/c', '/a/b/c', true],
    ['/a/b/c', '/a/b/c', true],
    ['/a/b', '/a/b/c', false],
    ['/a/**', '/a', false],
    ['/a/*', '/b/*', false],
  ])('%s covers %s: %s', (wide, narrow, covers) => {
    expect(patternCovers(wide, narrow)).toBe(covers);
  });
});

/** A problem in `agents.yaml` (as problemsOf reports it). */
const problem = (p: Omit<Problem, 'file'>): Problem => ({ file: 'agents.yaml', ...p });

/** A table whose one scope `test.scope` is written from line 3, used by one agent (`platform` claude). */
const withScope = (lines: string, extra = ''): string =>
  `version: 1\nscopes:\n${lines}${extra}agents:\n  - name: lead-enricher\n    owner: growth@acme.example\n    platform: claude\n    actions:\n      - { action: Read, scopes: [test.scope] }\n`;

describe('validateTable: http grants', () => {
  it('reads a scope with http: grants, its credential named by the API', async () => {
    const fleet = await fleetFromYaml(
      withScope(
        '  test.scope:\n    http:\n      api: hubspot\n      allow: [GET /crm/v3/objects/contacts/*, GET /crm/v3/objects/contacts/*, DELETE /crm/v3/objects/contacts/*]\n',
      ),
    );
    expect(fleet.settings.gateway).toBe(true);
    expect(fleet.apis).toEqual({ hubspot: { name: 'hubspot', baseUrl: 'https://api.hubapi.com', credential: 'hubspot', placement: { type: 'bearer' } } });
    const agent = fleet.agents[0];
    expect(agent.gateway).toBe(true);
    expect(agent.scopes[0]).toEqual({
      kind: 'secret',
      name: 'test.scope',
      secret: 'hubspot',
      http: {
        api: 'hubspot',
        endpoints: [
          { api: 'hubspot', method: 'DELETE', path: '/crm/v3/objects/contacts/*' },
          { api: 'hubspot', method: 'GET', path: '/crm/v3/objects/contacts/*' },
        ],
      },
    });
  });

  it('has no gateway when no scope grants endpoints, or when the fleet says so', async () => {
    expect((await fleetFromYaml(withScope('  test.scope: { secret: hubspot }\n'))).settings.gateway).toBe(false);
    const off = await fleetFromYaml(
      `version: 1\nfleet: { gateway: false }\n${withScope('  test.scope: { http: { api: hubspot, allow: [GET /crm/v3/x] } }\n').slice('version: 1\n'.length)}`,
    );
    expect(off.settings.gateway).toBe(false);
    expect(off.agents[0].gateway).toBe(false);
  });

  it('leaves an agent that says gateway: false calling directly', async () => {
    const yaml = withScope('  test.scope: { http: { api: hubspot, allow: [GET /crm/v3/x] } }\n') + '    gateway: false\n';
    const fleet = await fleetFromYaml(yaml);
    expect(fleet.settings.gateway).toBe(true);
    expect(fleet.agents[0].gateway).toBe(false);
  });

  it('takes a table API with its base URL and where its credential goes', async () => {
    const fleet = await fleetFromYaml(
      withScope(
        '  test.scope: { http: { api: billing, allow: [POST /v1/invoices] } }\n',
        'apis:\n  billing:\n    baseUrl: https://billing.example.com/api/\n    credential: billing-key\n    auth: { type: header, name: X-Api-Key, prefix: "Key " }\n',
      ),
    );
    expect(fleet.apis.billing).toEqual({
      name: 'billing',
      baseUrl: 'https://billing.example.com/api',
      credential: 'billing-key',
      placement: { type: 'header', name: 'X-Api-Key', prefix: 'Key ' },
    });
    expect(fleet.agents[0].scopes[0]).toMatchObject({ secret: 'billing-key' });
  });

  it('reports every bad grant at once, each at its own line and column', async () => {
    const yaml = withScope(
      [
        '  test.scope:',
        '    http:',
        '      api: hubspot',
        '      allow:',
        '        - "* /crm/v3/objects/contacts"',
        '        - GET /*',
        '        - GET /crm/../v3/mail/send',
        '  other.scope:',
        '    http: { api: hubspott, allow: [GET /x] }',
        '  desk.scope:',
        '    http: { api: zendesk, allow: [GET /api/v2/tickets] }',
        '  mail.scope:',
        '    secret: mailer',
        '    http: { api: sendgrid, allow: [POST /v3/mail/send] }',
        '',
      ].join('\n'),
    );
    expect(await problemsOf(yaml)).toEqual([
      problem({
        rule: 'invalid-endpoint',
        line: 7,
        column: 11,
        value: '* /crm/v3/objects/contacts',
        message: 'endpoint grants every method; name each one, e.g. GET',
        fix: 'write METHOD /path with the path the API documents, e.g. GET /crm/v3/objects/contacts/* (* one segment, a final ** the rest)',
      }),
      problem({
        rule: 'invalid-endpoint',
        line: 8,
        column: 11,
        value: 'GET /*',
        message: "endpoint has a wildcard at the root, which grants every path of the API; name the path's first segments",
        fix: 'write METHOD /path with the path the API documents, e.g. GET /crm/v3/objects/contacts/* (* one segment, a final ** the rest)',
      }),
      problem({
        rule: 'invalid-endpoint',
        line: 9,
        column: 11,
        value: 'GET /crm/../v3/mail/send',
        message: 'endpoint has a . or .. segment',
        fix: 'write METHOD /path with the path the API documents, e.g. GET /crm/v3/objects/contacts/* (* one segment, a final ** the rest)',
      }),
      problem({
        rule: 'unknown-api',
        line: 11,
        column: 18,
        value: 'hubspott',
        message: 'API is neither built in nor defined under apis:',
        fix: 'did you mean hubspot? Otherwise define it under apis: with its baseUrl and auth',
      }),
      problem({
        rule: 'missing-key',
        line: 13,
        column: 18,
        value: 'zendesk',
        message: "zendesk's base URL is your own account's",
        fix: 'add apis: { zendesk: { baseUrl: https://<subdomain>.zendesk.com } }',
      }),
      problem({
        rule: 'invalid-value',
        line: 15,
        column: 13,
        value: 'mailer',
        message: 'the gateway calls sendgrid with the credential sendgrid, not mailer',
        fix: 'write secret: sendgrid, or leave secret: out (the API names its credential); or set apis: { sendgrid: { credential: mailer } }',
      }),
    ]);
  });

  it('reports a table API without a base URL or credential placement, and a header the gateway owns', async () => {
    const yaml = withScope(
      '  test.scope: { http: { api: billing, allow: [POST /v1/invoices] } }\n',
      'apis:\n  billing: {}\n  ledger:\n    baseUrl: http://ledger.example.com\n    auth: { type: header, name: Host }\n',
    );
    expect(await problemsOf(yaml)).toEqual([
      problem({
        rule: 'missing-key',
        line: 5,
        column: 12,
        message: 'API billing is not built in: the gateway needs its base URL',
        fix: 'add apis: { billing: { baseUrl: https://api.example.com } }',
      }),
      problem({
        rule: 'missing-key',
        line: 5,
        column: 12,
        message: 'API billing is not built in: the gateway needs to know where its credential goes',
        fix: 'add auth: { type: bearer } (or header with name:, basic, query with name:)',
      }),
      expect.objectContaining({ rule: 'invalid-value', line: 7, column: 14, value: 'http://ledger.example.com' }),
      problem({
        rule: 'invalid-value',
        line: 8,
        column: 33,
        value: 'Host',
        message: 'auth header is not a header name the gateway may set',
        fix: 'name a header such as X-Api-Key',
      }),
    ]);
  });

  it('refuses gateway: true on an agent of a fleet without one', async () => {
    const yaml = `version: 1\nfleet: { gateway: false }\n${withScope('  test.scope: { secret: hubspot }\n').slice('version: 1\n'.length)}    gateway: true\n`;
    expect(await problemsOf(yaml)).toEqual([
      problem({
        rule: 'invalid-value',
        line: 11,
        column: 14,
        agent: 'lead-enricher',
        value: 'true',
        message: 'the agent asks for the gateway, and the fleet has none (fleet.gateway: false)',
        fix: 'remove gateway:, or turn the fleet gateway on',
      }),
    ]);
  });
});

describe('key-management endpoints of a built-in provider', () => {
  const table = (allow: string, extra = ''): string => `version: 1
scopes:
  mail.send:
    secret: sendgrid${extra}
    http: { api: sendgrid, allow: [${allow}] }
agents:
  - name: email-notifier
    owner: platform@acme.example
    actions:
      - { action: Send email, scopes: [mail.send] }
`;

  test('fails for each endpoint that reaches them, naming what it reaches, when the scope says not why', async () => {
    const problems = await problemsOf(table('POST /v3/mail/send, POST /v3/api_keys, DELETE /v3/api_keys/*, GET /v3/**'));
    expect(problems.map((p) => [p.rule, p.line, p.value, p.message])).toEqual([
      [
        'key-management-scope',
        5,
        'POST /v3/api_keys',
        "endpoint reaches SendGrid's key management (* /v3/api_keys): the agent's key would manage keys, not only use one",
      ],
      [
        'key-management-scope',
        5,
        'DELETE /v3/api_keys/*',
        "endpoint reaches SendGrid's key management (* /v3/api_keys/**): the agent's key would manage keys, not only use one",
      ],
      [
        'key-management-scope',
        5,
        'GET /v3/**',
        "endpoint reaches SendGrid's key management (* /v3/api_keys, * /v3/api_keys/**): the agent's key would manage keys, not only use one",
      ],
    ]);
    expect(problems[0]!.fix).toBe(
      'remove it (rotation and revocation use the management credential, credentials.<name>.management, never the agent\'s key), or say why with keyManagement: "<a reason of at least 10 characters>"',
    );
  });

  test('passes with keyManagement: and a reason, and for endpoints that only use the key', async () => {
    const allowed = await fleetFromYaml(table('POST /v3/api_keys', '\n    keyManagement: "the onboarding agent mints a key per new tenant"'));
    expect(allowed.agents[0]!.scopes.map((s) => s.name)).toEqual(['mail.send']);
    expect((await fleetFromYaml(table('POST /v3/mail/send, GET /v3/templates/*'))).agents).toHaveLength(1);
    // Too short to be a reason.
    expect((await problemsOf(table('POST /v3/api_keys', '\n    keyManagement: "ok"'))).map((p) => p.rule)).toEqual(['key-management-scope']);
  });
});
