/**
 * Values the table accepted that AWS, Vault or Terraform would refuse at
 * deploy time (issue: hostile input, class 5). Each fails validation, located,
 * with what the far side accepts.
 */
import { parseDuration, Problem } from '../../model';
import { loadFleet } from '../../table';
import { firesPerYear } from '../../review/private/schedule-frequency';
import { parseSchedule, shortestInterval } from '../../model/schedule';
import { BASE_SCOPES, problemsOf, writeFiles } from '../helpers';
import { join } from 'path';

/** One agent (line 14 `  - name: …`), its extra lines from line 18. */
const table = (extra = '', head = ''): string =>
  `version: 1\n${BASE_SCOPES}agents:\n  - name: lead-enricher\n    owner: growth@acme.example\n    actions:\n      - { action: Read contact info, scopes: [crm.contacts.read] }\n${extra}${head}`;

const problem = (p: Omit<Problem, 'file'>): Problem => ({ file: 'agents.yaml', ...p });

describe('cron fields out of range, or wildcards where EventBridge allows none', () => {
  const FIX = 'write an EventBridge schedule such as "cron(0 3 * * ? *)" (nightly at 03:00 UTC) or "rate(12 hours)"';
  it.each([
    ['cron(99 99 ? * FOO *)', 'has an invalid minutes field: minutes value 99 is outside 0-59'],
    ['cron(0 24 * * ? *)', 'has an invalid hours field: hours value 24 is outside 0-23'],
    ['cron(0 3 32 * ? *)', 'has an invalid day-of-month field: day-of-month value 32 is outside 1-31'],
    ['cron(0 3 0 * ? *)', 'has an invalid day-of-month field: day-of-month value 0 is outside 1-31'],
    ['cron(0 3 1 13 ? *)', 'has an invalid month field: month value 13 is outside 1-12'],
    ['cron(0 3 ? * FOO *)', 'has an invalid day-of-week field: "FOO" is not a day-of-week value'],
    ['cron(0 3 ? * 8 *)', 'has an invalid day-of-week field: day-of-week value 8 is outside 1-7'],
    ['cron(0 3 ? * 2#6 *)', 'has an invalid day-of-week field: 2#6: the week of the month after # is 1-5'],
    ['cron(0 3 * * ? 1969)', 'has an invalid year field: year value 1969 is outside 1970-2199'],
    ['cron(0 ? * * ? *)', 'has an invalid hours field: ? is allowed only in day-of-month and day-of-week, not in hours'],
    ['cron(0 3 15W * * *)', 'must have ? in exactly one of day-of-month and day-of-week'],
    ['cron(0 5-3 * * ? *)', 'has an invalid hours field: hours range 5-3 runs backwards; write the lower bound first'],
    ['cron(0/99 3 * * ? *)', 'has an invalid minutes field: minutes increment /99 is outside 1-59'],
    ['cron(0 3 L-2 * ? *)', 'has an invalid day-of-month field: "L" is not a day-of-month value'],
    ['cron(0 3 * * ? 2030W)', 'has an invalid year field: "2030W" is not a year value'],
  ])('fails when the rotation is %s', async (rotation, message) => {
    expect(await problemsOf(table(`    rotation: "${rotation}"\n`))).toEqual([
      problem({ rule: 'invalid-schedule', line: 18, column: 15, agent: 'lead-enricher', value: rotation, message: `rotation schedule ${message}`, fix: FIX }),
    ]);
  });

  it.each([
    'cron(0 3 * * ? *)',
    'cron(15,45 0-23/6 ? JAN-DEC MON-FRI 2026-2030)',
    'cron(0 3 L * ? *)',
    'cron(0 3 15W * ? *)',
    'cron(0 3 ? * 6L *)',
    'cron(0 3 ? * 2#1 *)',
    'cron(0 3 ? * SUN,SAT *)',
  ])('loads the valid %s', async (rotation) => {
    const dir = writeFiles({ 'agents.yaml': table(`    rotation: "${rotation}"\n`) });
    expect((await loadFleet({ table: join(dir, 'agents.yaml') })).agents[0].rotation).toBe(rotation);
  });
});

describe("Secrets Manager's four-hour floor, for cron() as for rate()", () => {
  const awsKept = (rotation: string): string => table(`    rotation: "${rotation}"\n`, 'credentials:\n  hubspot: { store: aws }\n');

  it.each([
    ['cron(0 * * * ? *)', 'hourly'],
    ['cron(0,30 3 * * ? *)', 'twice in one hour'],
    ['cron(0 1,3 * * ? *)', 'two hours apart'],
    ['cron(0 0/2 * * ? *)', 'every two hours'],
    ['cron(0 1,23 * * ? *)', '23:00 then 01:00 the next day'],
    ['rate(3 hours)', 'every three hours'],
  ])('fails when a credential kept in AWS rotates %s (%s)', async (rotation) => {
    expect(await problemsOf(awsKept(rotation))).toEqual([
      problem({
        rule: 'invalid-schedule',
        line: 18,
        column: 15,
        agent: 'lead-enricher',
        value: rotation,
        message: 'rotation is more often than Secrets Manager rotates (every 4 hours at most), and hubspot is kept in AWS',
        fix: 'rotate every 4 hours or less often, or keep the credential in Vault (store: vault)',
      }),
    ]);
  });

  it.each(['cron(0 0/4 * * ? *)', 'cron(0 3,15 * * ? *)', 'cron(30 3 * * ? *)', 'rate(4 hours)'])('loads %s for a credential kept in AWS', async (rotation) => {
    const dir = writeFiles({ 'agents.yaml': awsKept(rotation) });
    expect((await loadFleet({ table: join(dir, 'agents.yaml') })).credentials.hubspot.store).toBe('aws');
  });

  test('the shortest interval of a schedule, in seconds', () => {
    const shortest = (e: string): number => {
      const s = parseSchedule(e);
      if (s.problem !== undefined) throw new Error(s.problem);
      return shortestInterval(s);
    };
    expect([shortest('rate(5 minutes)'), shortest('cron(0 3 * * ? *)'), shortest('cron(10,40 3 * * ? *)'), shortest('cron(0 1,23 * * ? *)')]).toEqual([
      300, 86_400, 1800, 7200,
    ]);
  });

  test("the review's frequency reads cron through the same parser", () => {
    expect([
      firesPerYear('cron(0 3 * * ? *)'),
      firesPerYear('cron(0 3 ? * MON *)'),
      firesPerYear('cron(99 3 * * ? *)'),
      firesPerYear('cron(0 3 L * ? *)'),
    ]).toEqual([365, 52, undefined, undefined]);
  });
});

describe('durations that are not safe integers of seconds', () => {
  it.each(['99999999999999999999999d', '9007199254740993', '99999999999999999999h1s'])('fails when credentialTtl is %s', async (ttl) => {
    expect(await problemsOf(table(`    credentialTtl: "${ttl}"\n`))).toEqual([
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

  it('fails when a duration is a bare number too large to be exact', async () => {
    expect(await problemsOf(table('    secretIdTtl: 99999999999999999999999\n'))).toEqual([
      problem({
        rule: 'invalid-value',
        line: 18,
        column: 18,
        agent: 'lead-enricher',
        value: '1e+23',
        message: 'secretIdTtl: expected a whole number of at most 9007199254740991',
        fix: 'write a duration such as "25h"',
      }),
    ]);
  });

  test('parseDuration refuses what is not a safe integer, and reads the rest', () => {
    expect([
      parseDuration('99999999999999999999999d'),
      parseDuration(2 ** 53),
      parseDuration('104249991374d'),
      parseDuration('1h30m'),
      parseDuration(900),
    ]).toEqual([undefined, undefined, 104249991374 * 86_400, 5400, 900]);
  });
});

describe("CIDRs that Vault's and AWS's parsers refuse", () => {
  it.each([
    [':::::/64', 'bound CIDR is not a CIDR such as 10.0.0.0/16 (an IPv4 or IPv6 address, without leading zeros, then /prefix)'],
    ['12345::/64', 'bound CIDR is not a CIDR such as 10.0.0.0/16 (an IPv4 or IPv6 address, without leading zeros, then /prefix)'],
    ['010.001.000.000/8', 'bound CIDR is not a CIDR such as 10.0.0.0/16 (an IPv4 or IPv6 address, without leading zeros, then /prefix)'],
    ['fe80::1%eth0/64', 'bound CIDR is not a CIDR such as 10.0.0.0/16 (an IPv4 or IPv6 address, without leading zeros, then /prefix)'],
    ['10.0.0.0/08', 'bound CIDR is not a CIDR such as 10.0.0.0/16'],
    ['2001:db8::/129', 'bound CIDR has a prefix length above 128'],
    ['1.2.3/24', 'bound CIDR is not a CIDR such as 10.0.0.0/16 (an IPv4 or IPv6 address, without leading zeros, then /prefix)'],
  ])('fails when a bound CIDR is %s', async (cidr, message) => {
    expect(await problemsOf(table(`    boundCidrs: ["${cidr}"]\n`))).toEqual([
      problem({ rule: 'invalid-cidr', line: 18, column: 18, agent: 'lead-enricher', value: cidr, message, fix: 'write a CIDR block such as 10.20.0.0/16' }),
    ]);
  });

  it('loads IPv4 and IPv6 blocks', async () => {
    const dir = writeFiles({ 'agents.yaml': table('    boundCidrs: ["10.20.0.0/16", "2001:db8::/32", "::1/128"]\n') });
    expect((await loadFleet({ table: join(dir, 'agents.yaml') })).agents[0].boundCidrs).toEqual(['10.20.0.0/16', '2001:db8::/32', '::1/128']);
  });
});

describe('a Markdown row with more cells than its header', () => {
  it('fails, naming the first cell past the header, instead of cutting the row', async () => {
    const md = 'Agent | Required Action | API Scope\n---|---|---\nlead-enricher | Read contact info | crm.contacts.read | crm.contacts.delete\n';
    const dir = writeFiles({ 'agents.md': md, 'scopes.yaml': `version: 1\ndefaults: { owner: growth@acme.example }\n${BASE_SCOPES}` });
    const problems = await loadFleet({ table: join(dir, 'agents.md'), catalog: join(dir, 'scopes.yaml') }).then(
      () => [],
      (e: { problems: Problem[] }) => e.problems.map((p) => ({ ...p, file: p.file.slice(dir.length + 1) })),
    );
    expect(problems).toEqual([
      {
        rule: 'markdown-table',
        file: 'agents.md',
        line: 3,
        column: 57,
        value: 'crm.contacts.delete',
        message: 'the row has 4 cells; the header has 3',
        fix: 'remove the extra | (a cell cannot hold one), or add the column to the header',
      },
    ]);
  });
});
