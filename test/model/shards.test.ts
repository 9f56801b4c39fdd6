import { createHash } from 'crypto';
import { Agent, BUILTIN_FLEET_SETTINGS, Fleet, LIMITS, possibleShardKeys, Problem, shardKeyOf, ShardSettings, shardsOf, shardStackName } from '../../model';
import { BASE_SCOPES, fleetFromYaml, problemsOf, resolvedAgent } from '../helpers';

/*
 * Line map of the tables below. `table(fleet, agents)` writes
 *   1 `version: 1`, 2 `fleet:`, then the `fleet` lines from line 3 (keys at column 3),
 *   then BASE_SCOPES (11 lines, the first empty), `agents:` and the agents, one line each.
 * With F fleet lines, `agents:` is on line 14 + F and the first agent on line 15 + F.
 */

/** A table whose `fleet:` (line 2) holds `fleet` and whose `agents:` lists `agents`. */
const table = (fleet: string, agents: string): string => `version: 1\nfleet:\n${fleet}${BASE_SCOPES}agents:\n${agents}`;

/** One agent on one line, with one action. */
const agentLine = (name: string, owner = 'growth@acme.example', scope = 'crm.contacts.read'): string =>
  `  - { name: ${name}, owner: "${owner}", actions: [{ action: Read contact info, scopes: [${scope}] }] }\n`;

/** One line per name, all with the same owner. */
const agentLines = (names: readonly string[], owner?: string): string => names.map((n) => agentLine(n, owner)).join('');

/** A problem in `agents.yaml` (as problemsOf reports it). */
const problem = (p: Omit<Problem, 'file'>): Problem => ({ file: 'agents.yaml', ...p });

/** The documented recipe, computed here on its own: first 4 bytes of SHA-256, unsigned big-endian, mod count, padded. */
const expectedNameKey = (name: string, count: number): string => {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  const n = ((digest[0] << 24) >>> 0) + (digest[1] << 16) + (digest[2] << 8) + digest[3];
  return String(n % count).padStart(Math.max(2, String(count - 1).length), '0');
};

const byName = (count: number, maxAgents: number = LIMITS.shardAgents): ShardSettings => ({ by: 'name', count, maxAgents });
const BY_OWNER: ShardSettings = { by: 'owner', maxAgents: LIMITS.shardAgents };

/** A fleet built by hand from agents (in the given order) and shard settings. */
const fleetOf = (agents: Agent[], shards?: ShardSettings, name = 'acme'): Fleet => ({
  settings: { ...BUILTIN_FLEET_SETTINGS, name, shards },
  agents,
  credentials: {},
  apis: {},
  warnings: [],
  files: [],
});

/*
 * Keys by name, computed once with node (and `printf %s NAME | sha256sum`):
 *   name                first 4 bytes   count 16   count 1000
 *   lead-enricher       5f2296e3        03         371
 *   invoice-summarizer  4bea9d1f        15         831
 *   email-notifier      ca94b43d        13         885   (above 2^31: must be read unsigned)
 *   data-loader         fb9d2261        01         137   (above 2^31)
 *   a 02, b 06, c 03, d 03, e 11, f 08, g 05 (1000: 037), h 06 — by count 16.
 */

describe('shardKeyOf by name', () => {
  it.each([
    ['lead-enricher', 16, '03'],
    ['lead-enricher', 1000, '371'],
    ['invoice-summarizer', 16, '15'],
    ['invoice-summarizer', 1000, '831'],
    ['email-notifier', 16, '13'],
    ['email-notifier', 1000, '885'],
    ['data-loader', 16, '01'],
    ['data-loader', 1000, '137'],
    ['g', 1000, '037'],
    ['lead-enricher', 1, '00'],
    ['lead-enricher', 2, '01'],
  ])('puts %s among %i shards in shard %s', (name, count, key) => {
    expect(shardKeyOf(resolvedAgent({ name }), byName(count))).toBe(key);
  });

  it.each(['lead-enricher', 'invoice-summarizer', 'email-notifier', 'data-loader', 'x', 'etl2-loader', 'a-very-long-agent-name-that-hashes-like-any-other'])(
    'computes the key of %s by the documented recipe, for every shape of count',
    (name) => {
      for (const count of [1, 2, 3, 7, 10, 11, 16, 99, 100, 101, 250, 999, 1000]) {
        expect(shardKeyOf(resolvedAgent({ name }), byName(count))).toBe(expectedNameKey(name, count));
      }
    },
  );

  it.each([
    [1, 2],
    [10, 2],
    [11, 2],
    [100, 2],
    [101, 3],
    [1000, 3],
  ])('pads keys among %i shards to %i digits', (count, width) => {
    for (const name of ['a', 'b', 'c', 'lead-enricher']) {
      expect(shardKeyOf(resolvedAgent({ name }), byName(count))).toHaveLength(width);
    }
  });

  it('reads the owner not at all, and maxAgents not at all', () => {
    expect(shardKeyOf({ name: 'lead-enricher', owner: 'growth@acme.example' }, byName(16))).toBe('03');
    expect(shardKeyOf({ name: 'lead-enricher', owner: 'sales@acme.example' }, byName(16, 3))).toBe('03');
  });

  it('gives an agent the same shard whatever other agents the table lists', async () => {
    const shardOf = (fleet: Fleet, name: string): string | undefined => shardsOf(fleet).find((s) => s.agents.some((a) => a.name === name))?.key;
    const fleet = `  shards: { count: 16 }\n`;
    const alone = await fleetFromYaml(table(fleet, agentLine('lead-enricher')));
    const crowded = await fleetFromYaml(table(fleet, agentLines(['a', 'b', 'c', 'd', 'lead-enricher', 'e', 'f', 'g', 'h', 'invoice-summarizer'])));
    expect(shardOf(alone, 'lead-enricher')).toBe('03');
    expect(shardOf(crowded, 'lead-enricher')).toBe('03');
    // Every agent of the crowded table is where its own name alone puts it.
    for (const agent of crowded.agents) expect(shardOf(crowded, agent.name)).toBe(expectedNameKey(agent.name, 16));
  });
});

describe('shardKeyOf by owner', () => {
  it.each([
    ['growth@acme.example', 'growth-acme-example'],
    ['Growth@Acme.Example', 'growth-acme-example'],
    ['Growth.Team+CRM@Acme.Example', 'growth-team-crm-acme-example'],
    ['  ops..team@@acme.example  ', 'ops-team-acme-example'],
    ['_growth@acme.example.', 'growth-acme-example'],
    ['9ops@acme.example', 'o-9ops-acme-example'],
    ['2024-interns@acme.example', 'o-2024-interns-acme-example'],
    // Exactly 40 characters of key: kept whole.
    ['abcdefghij-abcdefghij-abcdefghij@acme.ex', 'abcdefghij-abcdefghij-abcdefghij-acme-ex'],
  ])('keys owner %j as %s', (owner, key) => {
    expect(shardKeyOf(resolvedAgent({ name: 'lead-enricher', owner }), BY_OWNER)).toBe(key);
  });

  it.each([
    // 41 characters of key: the first 31, then 8 hex digits of sha256(owner) = f1aedc15….
    ['abcdefghij-abcdefghij-abcdefghij@acme.exa', 'abcdefghij-abcdefghij-abcdefghi-f1aedc15'],
    // The 31st character is the `-` of `@`: trimmed before the hash is joined on. sha256 = f65f8af7….
    ['customer-success-automation-op@acme-corporation.example', 'customer-success-automation-op-f65f8af7'],
    // The hash is of the lowercased owner, so case never splits an owner: sha256 = c2c9d00a….
    ['Revenue.Operations+Platform@Acme-Corporation.Example', 'revenue-operations-platform-acm-c2c9d00a'],
  ])('shortens the long owner %s to %s', (owner, key) => {
    expect(shardKeyOf(resolvedAgent({ name: 'lead-enricher', owner }), BY_OWNER)).toBe(key);
    expect(key).toBe(`${key.slice(0, -9)}-${createHash('sha256').update(owner.toLowerCase()).digest('hex').slice(0, 8)}`);
    expect(key.length).toBeLessThanOrEqual(40);
  });

  it('keeps owners apart whose addresses kebab-case cannot spell, with the hash', () => {
    const a = shardKeyOf(resolvedAgent({ name: 'lead-enricher', owner: '張三@acme.example' }), BY_OWNER);
    const b = shardKeyOf(resolvedAgent({ name: 'lead-enricher', owner: '李四@acme.example' }), BY_OWNER);
    expect(a).toBe(`acme-example-${createHash('sha256').update('張三@acme.example').digest('hex').slice(0, 8)}`);
    expect(b).toBe(`acme-example-${createHash('sha256').update('李四@acme.example').digest('hex').slice(0, 8)}`);
    expect(a).not.toBe(b);
  });

  it('puts owners that differ only in case in one shard, however long', () => {
    const long = 'customer-success-automation-op@acme-corporation.example';
    expect(shardKeyOf({ name: 'a', owner: long.toUpperCase() }, BY_OWNER)).toBe(shardKeyOf({ name: 'a', owner: long }, BY_OWNER));
  });

  it('reads the name not at all', () => {
    expect(shardKeyOf({ name: 'lead-enricher', owner: 'growth@acme.example' }, BY_OWNER)).toBe('growth-acme-example');
    expect(shardKeyOf({ name: 'invoice-summarizer', owner: 'growth@acme.example' }, BY_OWNER)).toBe('growth-acme-example');
  });
});

describe('shardStackName', () => {
  it('names a shard by name <fleet>-shard-<key>', () => {
    expect(shardStackName('acme', byName(16), '03')).toBe('acme-shard-03');
    expect(shardStackName('scoped-agents', byName(1000), '371')).toBe('scoped-agents-shard-371');
  });

  it('names a shard by owner <fleet>-<key>', () => {
    expect(shardStackName('acme', BY_OWNER, 'growth-acme-example')).toBe('acme-growth-acme-example');
  });
});

describe('possibleShardKeys', () => {
  it('lists every bucket by name, empty ones too', () => {
    expect(possibleShardKeys(fleetOf([resolvedAgent({ name: 'lead-enricher' })], byName(4)))).toEqual(['00', '01', '02', '03']);
    expect(possibleShardKeys(fleetOf([], byName(1)))).toEqual(['00']);
  });

  it('lists 1000 three-digit buckets for count 1000', () => {
    const keys = possibleShardKeys(fleetOf([], byName(1000)));
    expect(keys).toHaveLength(1000);
    expect(keys.slice(0, 3)).toEqual(['000', '001', '002']);
    expect(keys.slice(-2)).toEqual(['998', '999']);
    expect(new Set(keys).size).toBe(1000);
  });

  it('lists the owners present by owner, once each and sorted', () => {
    const agents = [
      resolvedAgent({ name: 'a', owner: 'sales@acme.example' }),
      resolvedAgent({ name: 'b', owner: 'growth@acme.example' }),
      resolvedAgent({ name: 'c', owner: 'Growth@Acme.Example' }),
      resolvedAgent({ name: 'd', owner: '9ops@acme.example' }),
    ];
    expect(possibleShardKeys(fleetOf(agents, BY_OWNER))).toEqual(['growth-acme-example', 'o-9ops-acme-example', 'sales-acme-example']);
  });

  it('lists none for a fleet without shards', () => {
    expect(possibleShardKeys(fleetOf([resolvedAgent({ name: 'lead-enricher' })]))).toEqual([]);
  });
});

describe('shardsOf', () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  const agents = names.map((name) => resolvedAgent({ name }));

  it('splits a fleet by name into its non-empty shards, sorted by key, agents in fleet order', () => {
    const shards = shardsOf(fleetOf(agents, byName(16)));
    expect(shards.map((s) => [s.key, s.stack, s.agents.map((a) => a.name)])).toEqual([
      ['02', 'acme-shard-02', ['a']],
      ['03', 'acme-shard-03', ['c', 'd']],
      ['05', 'acme-shard-05', ['g']],
      ['06', 'acme-shard-06', ['b', 'h']],
      ['08', 'acme-shard-08', ['f']],
      ['11', 'acme-shard-11', ['e']],
    ]);
    // The agents themselves, not copies.
    expect(shards[0].agents[0]).toBe(agents[0]);
  });

  it('puts every agent in exactly one shard, the one of its key', () => {
    const many = Array.from({ length: 300 }, (_, i) => resolvedAgent({ name: `agent-${i}` }));
    const shards = shardsOf(fleetOf(many, byName(16)));
    expect(shards.flatMap((s) => s.agents.map((a) => a.name)).sort()).toEqual(many.map((a) => a.name).sort());
    for (const shard of shards) {
      expect(shard.agents.length).toBeGreaterThan(0);
      for (const agent of shard.agents) expect(expectedNameKey(agent.name, 16)).toBe(shard.key);
    }
    expect(shards.map((s) => s.key)).toEqual([...shards.map((s) => s.key)].sort());
    expect(shards.map((s) => s.key).every((k) => possibleShardKeys(fleetOf(many, byName(16))).includes(k))).toBe(true);
  });

  it('splits a fleet by owner into one shard per owner key', () => {
    const owned = [
      resolvedAgent({ name: 'a', owner: 'sales@acme.example' }),
      resolvedAgent({ name: 'b', owner: 'growth@acme.example' }),
      resolvedAgent({ name: 'c', owner: 'sales@acme.example' }),
      resolvedAgent({ name: 'd', owner: 'Growth@Acme.Example' }),
    ];
    expect(shardsOf(fleetOf(owned, BY_OWNER)).map((s) => [s.key, s.stack, s.agents.map((a) => a.name)])).toEqual([
      ['growth-acme-example', 'acme-growth-acme-example', ['b', 'd']],
      ['sales-acme-example', 'acme-sales-acme-example', ['a', 'c']],
    ]);
  });

  it('has no shards for a fleet without fleet.shards', () => {
    expect(shardsOf(fleetOf(agents))).toEqual([]);
  });

  it('has no shards for a sharded fleet without agents', () => {
    expect(shardsOf(fleetOf([], byName(16)))).toEqual([]);
  });
});

describe('fleet.shards in the table', () => {
  it('loads a table without shards as one stack', async () => {
    const fleet = await fleetFromYaml(table('  name: acme\n', agentLine('lead-enricher')));
    expect(fleet.settings.shards).toBeUndefined();
    expect(fleet.settings.state).toBeUndefined();
    expect(shardsOf(fleet)).toEqual([]);
  });

  it('shards by name, with maxAgents 250, when only count is given', async () => {
    const fleet = await fleetFromYaml(table('  name: acme\n  shards: { count: 16 }\n', agentLines(['lead-enricher', 'invoice-summarizer'])));
    expect(fleet.settings.shards).toEqual({ by: 'name', count: 16, maxAgents: 250 });
    expect(shardsOf(fleet).map((s) => [s.stack, s.agents.map((a) => a.name)])).toEqual([
      ['acme-shard-03', ['lead-enricher']],
      ['acme-shard-15', ['invoice-summarizer']],
    ]);
  });

  it('shards by owner, with maxAgents 250', async () => {
    const fleet = await fleetFromYaml(table('  shards:\n    by: owner\n', agentLine('lead-enricher') + agentLine('email-notifier', 'Sales.Ops@acme.example')));
    expect(fleet.settings.shards).toEqual({ by: 'owner', maxAgents: 250 });
    expect(shardsOf(fleet).map((s) => [s.stack, s.agents.map((a) => a.name)])).toEqual([
      ['scoped-agents-growth-acme-example', ['lead-enricher']],
      ['scoped-agents-sales-ops-acme-example', ['email-notifier']],
    ]);
  });

  it('keeps maxAgents and count as written', async () => {
    const fleet = await fleetFromYaml(table('  shards: { by: name, count: 1000, maxAgents: 40 }\n', agentLine('lead-enricher')));
    expect(fleet.settings.shards).toEqual({ by: 'name', count: 1000, maxAgents: 40 });
    expect(shardsOf(fleet).map((s) => s.stack)).toEqual(['scoped-agents-shard-371']);
  });

  it.each([
    // by: name given; the example sized to the default maxAgents 250: 1000 / (250 × 0.6) = 6.7 → 7.
    [
      'by name have no count',
      '{ by: name }',
      'add count:, e.g. 7 for about 1,000 agents (agents ÷ 150, room to grow; changing it later moves agents between shards)',
    ],
    // by: name the default; 1000 / (100 × 0.6) = 16.7 → 17; 100 × 0.6 = 60.
    [
      'have no count, by name being the default, and sizes the example to maxAgents',
      '{ maxAgents: 100 }',
      'add count:, e.g. 17 for about 1,000 agents (agents ÷ 60, room to grow; changing it later moves agents between shards)',
    ],
  ])('fails when shards %s', async (_title, shards, fix) => {
    expect(await problemsOf(table(`  shards: ${shards}\n`, agentLine('lead-enricher')))).toEqual([
      problem({ rule: 'missing-key', line: 3, column: 11, message: 'shards by name need a fixed count of shards the names hash into', fix }),
    ]);
  });

  it('fails when shards by owner have a count', async () => {
    expect(await problemsOf(table('  shards:\n    by: owner\n    count: 16\n', agentLine('lead-enricher')))).toEqual([
      problem({
        rule: 'unused-setting',
        line: 5,
        column: 12,
        value: '16',
        message: 'count applies only to shards by name; by owner, each owner has one shard',
        fix: 'remove count, or shard by: name',
      }),
    ]);
  });

  it('fails when count is above 1000', async () => {
    expect(await problemsOf(table('  shards:\n    count: 1001\n', agentLine('lead-enricher')))).toEqual([
      problem({
        rule: 'invalid-value',
        line: 4,
        column: 12,
        value: '1001',
        message: 'count is above 1000 shards',
        fix: 'use at most 1000; raise maxAgents instead',
      }),
    ]);
  });

  it.each([
    ['maxAgents: -1', 'maxAgents', '-1', 'maxAgents: expected a number above 0', 'correct maxAgents'],
    ['maxAgents: many', 'maxAgents', 'many', 'maxAgents: expected a number', 'correct maxAgents'],
    ['by: hash', 'by', 'hash', 'by: expected name or owner', 'correct by'],
  ])('fails when shards say %s', async (line, key, value, message, fix) => {
    // `    <key>: ` puts the value at column 5 + key length + 2.
    expect(await problemsOf(table(`  shards:\n    ${line}\n    count: 16\n`, agentLine('lead-enricher')))).toEqual([
      problem({ rule: 'invalid-value', line: 4, column: 7 + key.length, value, message, fix }),
    ]);
  });

  it.each([
    ['0', 'count: expected a number above 0'],
    ['2.5', 'count: expected a whole number'],
  ])('fails when count is %s, and then finds shards by name without a count', async (value, message) => {
    // The bad count is set aside, so the shards' own check sees none (at the first key of shards:, line 4 column 5).
    expect(await problemsOf(table(`  shards:\n    count: ${value}\n`, agentLine('lead-enricher')))).toEqual([
      problem({
        rule: 'missing-key',
        line: 4,
        column: 5,
        message: 'shards by name need a fixed count of shards the names hash into',
        fix: 'add count:, e.g. 7 for about 1,000 agents (agents ÷ 150, room to grow; changing it later moves agents between shards)',
      }),
      problem({ rule: 'invalid-value', line: 4, column: 12, value, message, fix: 'correct count' }),
    ]);
  });

  it('fails when a key inside shards is unknown, and lists the known keys', async () => {
    expect(await problemsOf(table('  shards:\n    count: 16\n    size: 100\n', agentLine('lead-enricher')))).toEqual([
      problem({ rule: 'unknown-key', line: 5, column: 5, value: 'size', message: 'unknown key', fix: 'remove it, or use one of: by, count, maxAgents' }),
    ]);
  });

  describe('too many agents in a shard', () => {
    it('fails when one shard by name would hold more than maxAgents', async () => {
      // count 1: all five agents in shard 00. About ⌈5 / 3 × 1.5⌉ = 3 shards.
      const yaml = table('  name: acme\n  shards:\n    count: 1\n    maxAgents: 3\n', agentLines(['a', 'b', 'c', 'd', 'e']));
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'too-many-agents',
          line: 5,
          column: 12,
          value: '1',
          message: 'shard acme-shard-00 would hold 5 agents, above maxAgents 3',
          fix: 'raise count (to about 3; this moves agents between shards\' states, see "Resharding" in docs/deploying.md) or raise maxAgents',
        }),
      ]);
    });

    it('fails for the one full shard only, among shards of room', async () => {
      // By 16: a 02, c 03, d 03, lead-enricher 03, e 11 — shard 03 holds three. About ⌈5 / 2 × 1.5⌉ = 4 shards.
      const yaml = table('  name: acme\n  shards: { count: 16, maxAgents: 2 }\n', agentLines(['a', 'c', 'd', 'lead-enricher', 'e']));
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'too-many-agents',
          line: 4,
          column: 20,
          value: '16',
          message: 'shard acme-shard-03 would hold 3 agents, above maxAgents 2',
          fix: 'raise count (to about 4; this moves agents between shards\' states, see "Resharding" in docs/deploying.md) or raise maxAgents',
        }),
      ]);
    });

    it('loads a shard holding exactly maxAgents', async () => {
      const fleet = await fleetFromYaml(table('  name: acme\n  shards: { count: 16, maxAgents: 3 }\n', agentLines(['a', 'c', 'd', 'lead-enricher', 'e'])));
      expect(shardsOf(fleet).map((s) => [s.key, s.agents.length])).toEqual([
        ['02', 1],
        ['03', 3],
        ['11', 1],
      ]);
    });

    it('fails when an owner has more agents than maxAgents, once per full shard', async () => {
      const yaml = table(
        '  name: acme\n  shards:\n    by: owner\n    maxAgents: 2\n',
        agentLines(['a', 'b', 'c'], 'growth@acme.example') + agentLines(['d'], 'sales@acme.example') + agentLines(['e', 'f', 'g', 'h'], 'ops@acme.example'),
      );
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'too-many-agents',
          line: 5,
          column: 9,
          value: 'growth@acme.example',
          message: 'owner growth@acme.example has 3 agents, above maxAgents 2 for its shard acme-growth-acme-example',
          fix: 'raise maxAgents, or shard by: name',
        }),
        problem({
          rule: 'too-many-agents',
          line: 5,
          column: 9,
          value: 'ops@acme.example',
          message: 'owner ops@acme.example has 4 agents, above maxAgents 2 for its shard acme-ops-acme-example',
          fix: 'raise maxAgents, or shard by: name',
        }),
      ]);
    });

    it('reports the shard problems with every other problem of the table at once', async () => {
      // Fleet lines 3–10; `agents:` on line 22; agents a–e on lines 23–27, then lead-enricher on 28.
      const yaml = table(
        '  name: acme\n  shards:\n    count: 1\n    maxAgents: 3\n  state:\n    s3:\n      bucket: acme-terraform-state\n      region: europe\n',
        agentLines(['a', 'b', 'c', 'd', 'e']) + agentLine('lead-enricher', 'growth@acme.example', 'crm.contact.read'),
      );
      expect(await problemsOf(yaml)).toEqual([
        problem({
          rule: 'too-many-agents',
          line: 5,
          column: 12,
          value: '1',
          message: 'shard acme-shard-00 would hold 5 agents, above maxAgents 3',
          fix: 'raise count (to about 3; this moves agents between shards\' states, see "Resharding" in docs/deploying.md) or raise maxAgents',
        }),
        problem({
          rule: 'invalid-value',
          line: 10,
          column: 15,
          value: 'europe',
          message: 'region is not an AWS region',
          fix: "write the bucket's region, e.g. eu-west-1",
        }),
        problem({
          rule: 'unknown-scope',
          line: 28,
          column: 106,
          agent: 'lead-enricher',
          value: 'crm.contact.read',
          message: 'scope is not in the scope catalog',
          fix: 'did you mean crm.contacts.read? Otherwise add it under scopes:',
        }),
      ]);
    });
  });
});

describe('fleet.state in the table', () => {
  /** `state: s3:` with the given lines under s3 (from line 5, keys at column 7, values after `key: `). */
  const withState = (s3: string): string => table(`  state:\n    s3:\n${s3}`, agentLine('lead-enricher'));

  it('keeps the state in S3 under scoped-agents by default', async () => {
    const fleet = await fleetFromYaml(withState('      bucket: acme-terraform-state\n      region: eu-west-1\n'));
    expect(fleet.settings.state).toEqual({ s3: { bucket: 'acme-terraform-state', region: 'eu-west-1', keyPrefix: 'scoped-agents', kmsKeyId: undefined } });
    expect(fleet.settings.state!.s3).toHaveProperty('kmsKeyId', undefined);
  });

  it('keeps keyPrefix and kmsKeyId as written', async () => {
    const kms = 'arn:aws:kms:eu-west-1:123456789012:alias/terraform-state';
    const fleet = await fleetFromYaml(
      withState(`      bucket: acme.terraform.state\n      region: us-gov-west-1\n      keyPrefix: terraform/acme\n      kmsKeyId: ${kms}\n`),
    );
    expect(fleet.settings.state).toEqual({ s3: { bucket: 'acme.terraform.state', region: 'us-gov-west-1', keyPrefix: 'terraform/acme', kmsKeyId: kms } });
  });

  it.each([
    [
      'bucket',
      'Bad_Bucket',
      'invalid-value',
      'bucket is not an S3 bucket name',
      "write the state bucket's name, 3-63 lowercase letters, digits, dots and hyphens, e.g. acme-terraform-state",
    ],
    [
      'bucket',
      'ab',
      'invalid-value',
      'bucket is not an S3 bucket name',
      "write the state bucket's name, 3-63 lowercase letters, digits, dots and hyphens, e.g. acme-terraform-state",
    ],
    [
      'bucket',
      'acme..state',
      'invalid-value',
      'bucket is not an S3 bucket name',
      "write the state bucket's name, 3-63 lowercase letters, digits, dots and hyphens, e.g. acme-terraform-state",
    ],
    ['region', 'europe', 'invalid-value', 'region is not an AWS region', "write the bucket's region, e.g. eu-west-1"],
    ['region', 'EU-WEST-1', 'invalid-value', 'region is not an AWS region', "write the bucket's region, e.g. eu-west-1"],
    [
      'keyPrefix',
      '/leading',
      'invalid-value',
      'keyPrefix is not an S3 key prefix (letters, digits, ., _, - and / between them)',
      'write a prefix such as scoped-agents or terraform/acme',
    ],
    [
      'keyPrefix',
      'trailing/',
      'invalid-value',
      'keyPrefix is not an S3 key prefix (letters, digits, ., _, - and / between them)',
      'write a prefix such as scoped-agents or terraform/acme',
    ],
    [
      'kmsKeyId',
      'not-an-arn',
      'invalid-arn',
      'kmsKeyId is not a KMS key or alias ARN',
      "write the key's ARN, e.g. arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ],
    [
      'kmsKeyId',
      'arn:aws:s3:::acme-terraform-state',
      'invalid-arn',
      'kmsKeyId is not a KMS key or alias ARN',
      "write the key's ARN, e.g. arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ],
  ])('fails when %s is %s', async (key, value, rule, message, fix) => {
    const s3 = { bucket: 'acme-terraform-state', region: 'eu-west-1', [key]: value };
    const lines = Object.entries(s3)
      .map(([k, v]) => `      ${k}: "${v}"\n`)
      .join('');
    // bucket on line 5, region on 6, a third key on 7; each value at column 7 + key length + 2.
    const line = { bucket: 5, region: 6 }[key] ?? 7;
    expect(await problemsOf(withState(lines))).toEqual([problem({ rule, line, column: 9 + key.length, value, message, fix })]);
  });

  it('fails with each bad key of the state at once', async () => {
    const problems = await problemsOf(withState('      bucket: Bad_Bucket\n      region: europe\n      keyPrefix: /leading\n      kmsKeyId: not-an-arn\n'));
    expect(problems.map((p) => [p.rule, p.line, p.column, p.value])).toEqual([
      ['invalid-value', 5, 15, 'Bad_Bucket'],
      ['invalid-value', 6, 15, 'europe'],
      ['invalid-value', 7, 18, '/leading'],
      ['invalid-arn', 8, 17, 'not-an-arn'],
    ]);
  });

  it('fails when the bucket is missing', async () => {
    expect(await problemsOf(table('  state:\n    s3: { region: eu-west-1 }\n', agentLine('lead-enricher')))).toEqual([
      problem({ rule: 'missing-key', line: 4, column: 9, message: 'bucket is required', fix: 'correct bucket' }),
    ]);
  });

  it('keeps the state in HCP Terraform: one workspace per stack, app.terraform.io and no prefix by default', async () => {
    const fleet = await fleetFromYaml(table('  state:\n    hcp: { organization: acme }\n', agentLine('lead-enricher')));
    expect(fleet.settings.state).toEqual({ hcp: { organization: 'acme', hostname: 'app.terraform.io', workspacePrefix: '' } });
    const own = await fleetFromYaml(
      table('  state:\n    hcp: { organization: acme, hostname: tfe.acme.example, workspacePrefix: agents- }\n', agentLine('lead-enricher')),
    );
    expect(own.settings.state).toEqual({ hcp: { organization: 'acme', hostname: 'tfe.acme.example', workspacePrefix: 'agents-' } });
  });

  it('fails when the state names two backends, or none', async () => {
    const fix = 'give exactly one of s3: { bucket, region } or hcp: { organization }';
    expect(
      await problemsOf(
        table('  state:\n    s3: { bucket: acme-terraform-state, region: eu-west-1 }\n    hcp: { organization: acme }\n', agentLine('lead-enricher')),
      ),
    ).toEqual([problem({ rule: 'invalid-value', line: 4, column: 5, message: 'state names two backends; every stack keeps its state in one place', fix })]);
    expect(await problemsOf(table('  state: {}\n', agentLine('lead-enricher')))).toEqual([
      problem({ rule: 'missing-key', line: 3, column: 10, message: 'state names no backend', fix }),
    ]);
  });

  it('fails on an HCP organization, hostname or prefix a workspace cannot have, each at its line', async () => {
    const problems = await problemsOf(
      table(
        '  state:\n    hcp:\n      organization: "acme corp"\n      hostname: https://app.terraform.io\n      workspacePrefix: agents/\n',
        agentLine('lead-enricher'),
      ),
    );
    expect(problems.map((p) => [p.rule, p.line, p.value, p.message])).toEqual([
      ['invalid-value', 5, 'acme corp', 'organization is not an HCP Terraform organization name'],
      ['invalid-value', 6, 'https://app.terraform.io', 'hostname is not a host name'],
      ['invalid-value', 7, 'agents/', 'workspacePrefix has characters a workspace name cannot hold'],
    ]);
  });

  it('fails when a key inside s3 is unknown, and lists the known keys', async () => {
    expect(await problemsOf(withState('      bucket: acme-terraform-state\n      region: eu-west-1\n      dynamodbTable: locks\n'))).toEqual([
      problem({
        rule: 'unknown-key',
        line: 7,
        column: 7,
        value: 'dynamodbTable',
        message: 'unknown key',
        fix: 'remove it, or use one of: bucket, keyPrefix, kmsKeyId, region',
      }),
    ]);
  });
});
