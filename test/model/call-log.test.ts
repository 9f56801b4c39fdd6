import { createHash } from 'crypto';
import { callLogEntry, callLogFilterPatterns, callOutcome, formatCallLogLine, tokenIdentifier } from '../../model';

/**
 * The call-log helper agents use: the documented line (README "The call-log
 * line"), never the credential.
 */

const AT = '2026-11-27T18:01:00.123Z';

test('writes the documented line, key order included, with the token reduced to sha256: and 16 hex digits', () => {
  const token = 'hvs.CAESIJ7bogus-service-token-for-the-test';
  const line = formatCallLogLine({ agent: 'lead-enricher', token, method: 'get', url: 'https://api.hubapi.com/crm/v3/objects/contacts', status: 200, at: AT });
  const hash = createHash('sha256').update(token).digest('hex').slice(0, 16);
  expect(line).toBe(
    `{"agent":"lead-enricher","token":"sha256:${hash}","api":"api.hubapi.com","method":"GET","path":"/crm/v3/objects/contacts","status":200,"outcome":"ok",` +
      `"latencyMs":0,"bytesIn":0,"bytesOut":0,"requestId":"-","timestamp":"2026-11-27T18:01:00.123Z"}`,
  );
  expect(line).not.toContain(token);
  expect(line).not.toContain('hvs.');
});

test('writes a Vault accessor as is', () => {
  const entry = callLogEntry({
    agent: 'a',
    accessor: 'kXo3EAxl2RwDqKn7bGMOHc9R',
    method: 'POST',
    url: 'https://vault.acme.example:8200/v1/kv/data/agents/a/x',
    status: 403,
    at: AT,
  });
  expect(entry).toEqual({
    agent: 'a',
    token: 'kXo3EAxl2RwDqKn7bGMOHc9R',
    api: 'vault.acme.example:8200',
    method: 'POST',
    path: '/v1/kv/data/agents/a/x',
    status: 403,
    outcome: 'denied',
    latencyMs: 0,
    bytesIn: 0,
    bytesOut: 0,
    requestId: '-',
    timestamp: AT,
  });
});

test('keeps an identifier already reduced, and hashes anything else the same way every time', () => {
  expect(tokenIdentifier('sha256:0123456789abcdef')).toBe('sha256:0123456789abcdef');
  // `printf %s sk-live-1 | sha256sum | cut -c1-16`
  expect(tokenIdentifier('sk-live-1')).toBe('sha256:f8dc9db173eec64b');
  expect(tokenIdentifier('sk-live-1')).not.toBe(tokenIdentifier('sk-live-2'));
  expect(tokenIdentifier('sk-live-1')).toMatch(/^sha256:[0-9a-f]{16}$/);
});

test('drops the query string, fragment and user info from the path (providers accept keys there)', () => {
  const entry = callLogEntry({
    agent: 'a',
    token: 't',
    method: 'GET',
    url: 'https://user:pass@api.sendgrid.com/v3/mail/send?api_key=SG.secret#frag',
    status: 202,
    at: AT,
  });
  expect([entry.api, entry.method, entry.path]).toEqual(['api.sendgrid.com', 'GET', '/v3/mail/send']);
  expect(JSON.stringify(entry)).not.toMatch(/secret|pass/);
  expect(callLogEntry({ agent: 'a', token: 't', method: 'GET', url: 'api.hubapi.com/crm/v3/objects', status: 200, at: AT })).toMatchObject({
    api: 'api.hubapi.com',
    path: '/crm/v3/objects',
  });
});

test.each([
  [200, 'ok'],
  [204, 'ok'],
  [302, 'ok'],
  [401, 'denied'],
  [403, 'denied'],
  [404, 'ok'],
  [429, 'rate-limited'],
  [500, 'upstream-error'],
  [503, 'upstream-error'],
] as const)('status %i is %s', (status, outcome) => {
  expect(callOutcome(status)).toBe(outcome);
  expect(callLogEntry({ agent: 'a', token: 't', method: 'GET', url: 'https://x.example/', status, at: AT }).outcome).toBe(outcome);
});

test('the line the helper writes is what the metric filters count: calls always, denied only when denied', () => {
  // CloudWatch's JSON filter `{ $.agent = "x" && $.outcome = "denied" }`, evaluated on the parsed line.
  const patterns = callLogFilterPatterns('lead-enricher');
  expect(patterns).toEqual({ calls: '{ $.agent = "lead-enricher" }', denied: '{ $.agent = "lead-enricher" && $.outcome = "denied" }' });
  const denied = JSON.parse(formatCallLogLine({ agent: 'lead-enricher', token: 't', method: 'GET', url: 'https://x/', status: 403, at: AT }));
  expect([denied.agent, denied.outcome]).toEqual(['lead-enricher', 'denied']);
});

test('stamps the current time when none is given', () => {
  const before = Date.now();
  const t = Date.parse(callLogEntry({ agent: 'a', token: 't', method: 'GET', url: 'https://x/', status: 200 }).timestamp);
  expect(t).toBeGreaterThanOrEqual(before);
  expect(t).toBeLessThanOrEqual(Date.now());
});

test.each([
  ['neither token nor accessor', { agent: 'a', method: 'GET', url: 'https://x/', status: 200 }, /exactly one of token \(hashed\) and accessor/],
  ['both', { agent: 'a', token: 't', accessor: 'acc', method: 'GET', url: 'https://x/', status: 200 }, /exactly one of token/],
  [
    'a token passed as accessor',
    { agent: 'a', accessor: 'hvs.CAESIsecret', method: 'GET', url: 'https://x/', status: 200 },
    /accessor has the shape of a Vault token; pass it as token/,
  ],
  ['a legacy token passed as accessor', { agent: 'a', accessor: 's.abcdef', method: 'GET', url: 'https://x/', status: 200 }, /shape of a Vault token/],
  ['a status that is not HTTP', { agent: 'a', token: 't', method: 'GET', url: 'https://x/', status: 99 }, /status 99 is not an HTTP status/],
  ['a method that is not one', { agent: 'a', token: 't', method: 'GET /x', url: 'https://x/', status: 200 }, /is not an HTTP method/],
  ['a URL that is not one', { agent: 'a', token: 't', method: 'GET', url: 'https://exa mple.com/x', status: 200 }, /is not a URL/],
  ['a time that is not one', { agent: 'a', token: 't', method: 'GET', url: 'https://x/', status: 200, at: 'yesterday' }, /is not a time/],
])('fails on %s, naming it and never quoting the token', (_what, input, message) => {
  expect(() => formatCallLogLine(input)).toThrow(message);
  try {
    formatCallLogLine(input);
  } catch (e) {
    expect((e as Error).message).not.toContain('CAESIsecret');
  }
});
