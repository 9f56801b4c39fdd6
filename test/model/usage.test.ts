import { AgentUsageCounts, judgeUsage, median, SPIKE_RULE, summarizeUsage, trendText } from '../../model';
import { agentLimitsOf, VaultAuditTally } from '../../review';

/**
 * The usage summary's pure core (model/usage.ts), the audit-log tally
 * (model/vault-audit-log.ts) and the limits read back from synthesized alarms.
 */

const counts = (over: Partial<AgentUsageCounts> = {}): AgentUsageCounts => ({
  agent: 'a',
  calls: 50,
  denied: 0,
  history: [40, 50, 60],
  peakMinute: 5,
  maxCallsPerMinute: 1000,
  ...over,
});

describe('judging one agent', () => {
  test('median of odd and even counts; none is 0', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });

  test('an agent within its habits carries no flag, and its trend is its change against the median', () => {
    const row = judgeUsage(counts({ calls: 66 }), '24 h');
    expect(row).toMatchObject({ median: 50, changePercent: 32, flags: [], reasons: [] });
    expect(trendText(row)).toBe('+32 % (median 50)');
    expect(trendText(judgeUsage(counts({ calls: 40 }), '24 h'))).toBe('-20 % (median 50)');
  });

  test('no call at all is an orphan', () => {
    expect(judgeUsage(counts({ calls: 0, peakMinute: 0 }), '24 h')).toMatchObject({ flags: ['orphan'], reasons: ['orphan: no calls in 24 h'] });
    expect(judgeUsage(counts({ calls: 0, peakMinute: 0, neverUsed: false }), '24 h').flags).toEqual(['orphan']);
  });

  test('no call at all, from an agent known never to have called, is "never used" and not an orphan', () => {
    expect(judgeUsage(counts({ calls: 0, peakMinute: 0, history: [], neverUsed: true }), '24 h')).toMatchObject({
      flags: ['never-used'],
      reasons: ['never used: no call since it was deployed'],
    });
    // A call in the window wins over a stale "never".
    expect(judgeUsage(counts({ calls: 3, neverUsed: true }), '24 h').flags).toEqual([]);
  });

  test('one minute above the limit is a spike, even with no history', () => {
    const row = judgeUsage(counts({ calls: 61, history: [], peakMinute: 41, maxCallsPerMinute: 20 }), '24 h');
    expect(row).toMatchObject({ flags: ['spike'], reasons: ['spike: 41 calls in one minute, above its limit of 20'] });
    expect(row.median).toBeUndefined();
    expect(trendText(row)).toBe('no history');
  });

  test('a minute exactly at the limit is not a spike (the alarm fires above it)', () => {
    expect(judgeUsage(counts({ peakMinute: 20, maxCallsPerMinute: 20 }), '24 h').flags).toEqual([]);
  });

  test(`a window above ${SPIKE_RULE.factor} × the median and above ${SPIKE_RULE.minCalls} calls is a spike`, () => {
    expect(judgeUsage(counts({ calls: 151, history: [40, 50, 60] }), '24 h')).toMatchObject({
      flags: ['spike'],
      reasons: ['spike: 151 calls, more than 3 × the median of 3 earlier windows (50) and more than 100'],
    });
    // Exactly 3 × is not above it; and few calls are never a spike, however many times the median.
    expect(judgeUsage(counts({ calls: 150, history: [40, 50, 60] }), '24 h').flags).toEqual([]);
    expect(judgeUsage(counts({ calls: 99, history: [1, 1, 1] }), '24 h').flags).toEqual([]);
    expect(judgeUsage(counts({ calls: 101, history: [0, 0] }), '24 h')).toMatchObject({ flags: ['spike'], median: 0 });
  });

  test('a median of 0 has no percentage', () => {
    expect(trendText(judgeUsage(counts({ calls: 3, history: [0, 0, 0] }), '24 h'))).toBe('new (median 0)');
    expect(trendText(judgeUsage(counts({ calls: 0, history: [0] }), '24 h'))).toBe('0 (median 0)');
  });
});

describe('the report', () => {
  const report = summarizeUsage({
    fleet: 'scoped-agents',
    start: new Date('2026-11-26T07:00:00Z'),
    end: new Date('2026-11-27T07:00:00Z'),
    source: 'a test',
    agents: [
      counts({ agent: 'steady', calls: 12, denied: 3, history: [10, 12, 14], peakMinute: 2 }),
      counts({ agent: 'idle', calls: 0, history: [], peakMinute: 0 }),
      counts({ agent: 'burster', calls: 61, history: [], peakMinute: 41, maxCallsPerMinute: 20 }),
    ],
    unknownRoles: { 'agent-other': 4 },
    notes: ['a note.'],
  });

  test('renders Markdown: sorted rows, flags with their reasons, totals, rules, unknown roles, notes', () => {
    expect(report.toMarkdown()).toBe(
      [
        '## Usage of fleet scoped-agents',
        '',
        '24 h from 2026-11-26 07:00:00 UTC to 2026-11-27 07:00:00 UTC; source: a test.',
        '',
        '| agent | calls | denied | trend vs median of earlier 24 h | peak per minute (limit) | flags |',
        '|---|--:|--:|---|--:|---|',
        '| burster | 61 | 0 | no history | 41 (20) | **spike**: 41 calls in one minute, above its limit of 20 |',
        '| idle | 0 | 0 | no history | 0 (1000) | **orphan**: no calls in 24 h |',
        '| steady | 12 | 3 | +0 % (median 12) | 2 (1000) |  |',
        '',
        '3 agents, 73 calls, 3 denied; flagged: 1 orphan (idle), 1 spike (burster).',
        '',
        "Orphan: no call in the window. Never used: no call in the window, and its call log never held one. Spike: more calls in one minute than the agent's maxCallsPerMinute, or more than 3 × the median of the earlier windows and more than 100 calls.",
        '',
        'Roles named like agents but not in this fleet: agent-other (4).',
        '',
        'Note: a note.',
        '',
      ].join('\n'),
    );
  });

  test('renders JSON with nulls for what is unknown', () => {
    const json = report.toJson();
    expect(json.window).toEqual({ start: '2026-11-26T07:00:00.000Z', end: '2026-11-27T07:00:00.000Z', seconds: 86400 });
    expect(json.totals).toEqual({ agents: 3, calls: 73, denied: 3, neverUsed: 0, orphans: 1, spikes: 1 });
    expect(json.agents.map((a) => [a.agent, a.orphan, a.spike, a.median, a.changePercent])).toEqual([
      ['burster', false, true, null, null],
      ['idle', true, false, null, null],
      ['steady', false, false, 12, 0],
    ]);
    expect(json.spikeRule).toEqual({ factor: 3, minCalls: 100 });
  });

  test('fails when the window ends before it starts', () => {
    expect(() => summarizeUsage({ fleet: 'f', start: new Date(2000), end: new Date(1000), source: 's', agents: [] })).toThrow(
      /the window must end after it starts/,
    );
  });
});

describe('counting a Vault audit log', () => {
  const END = Date.parse('2026-11-27T12:00:00Z');
  const H = 3_600_000;
  const entry = (type: 'request' | 'response', at: number, auth: Record<string, unknown> | null, error?: string): string =>
    JSON.stringify({
      time: new Date(at).toISOString().replace('Z', '123456Z'),
      type,
      auth,
      request: { path: 'kv/data/x', operation: 'read' },
      ...(error ? { error } : {}),
    });
  const call = (role: string, at: number, error?: string): string[] => {
    const auth = { display_name: 'approle', metadata: { role_name: role }, policies: [role] };
    return [entry('request', at, auth, error), entry('response', at, auth, error)];
  };
  const tally = (
    lines: string[],
    agents = [
      { name: 'a', maxCallsPerMinute: 3 },
      { name: 'b', maxCallsPerMinute: 1000 },
    ],
  ) => {
    const t = new VaultAuditTally({ agents, start: new Date(END - 24 * H), end: new Date(END), historyWindows: 7 });
    lines.forEach((l) => t.add(l));
    return t.counts();
  };

  test('counts response entries per agent role, denied ones apart, and the busiest minute', () => {
    const minute = END - 2 * H;
    const c = tally([
      ...call('agent-a', minute + 1_000),
      ...call('agent-a', minute + 2_000),
      ...call('agent-a', minute + 3_000, '1 error occurred:\n\t* permission denied\n\n'),
      ...call('agent-a', minute + 4_000),
      ...call('agent-a', minute + 61_000),
      ...call('scoped-agents-rotate', minute),
      ...call('agent-someone-else', minute),
      entry('response', minute, { display_name: 'token', metadata: null, policies: ['root'] }),
    ]);
    expect(c.agents).toEqual([
      { agent: 'a', calls: 5, denied: 1, history: [], peakMinute: 4, maxCallsPerMinute: 3 },
      { agent: 'b', calls: 0, denied: 0, history: [], peakMinute: 0, maxCallsPerMinute: 1000 },
    ]);
    expect(c.unknownRoles).toEqual({ 'agent-someone-else': 1 });
    expect(c.entries).toBe(15);
  });

  test('counts earlier windows the log covers from their start, oldest first, and says when the log is younger than the window', () => {
    const lines = [
      ...call('agent-b', END - 50 * H), // in [-72 h, -48 h), which the log covers only partly: not history
      ...call('agent-b', END - 47 * H), // in [-48 h, -24 h)
      ...call('agent-b', END - 30 * H),
      ...call('agent-b', END - 24 * H - 1),
      ...call('agent-b', END - 24 * H), // the window's first millisecond
    ];
    const c = tally(lines);
    expect(c.agents.find((a) => a.agent === 'b')).toMatchObject({ calls: 1, history: [3] });
    expect(c.notes).toEqual([]);
    const young = tally(call('agent-b', END - H));
    expect(young.agents.find((a) => a.agent === 'b')!.history).toEqual([]);
    expect(young.notes).toEqual([
      'the audit log starts at 2026-11-27 11:00:00 UTC, inside the window: calls before then are not counted, so an orphan flag may only mean the log is young.',
    ]);
  });

  test('skips lines that are not audit entries, and says so', () => {
    const c = tally(['not json', '', '{"type":"response"}', ...call('agent-a', END - H)]);
    expect(c.malformed).toEqual({ count: 2, firstLine: 1 });
    expect(c.notes).toEqual([
      'the audit log starts at 2026-11-27 11:00:00 UTC, inside the window: calls before then are not counted, so an orphan flag may only mean the log is young.',
      '2 lines are not audit entries (first: line 1) and were skipped.',
    ]);
    expect(c.agents[0].calls).toBe(1);
  });

  test('attributes a token by display name when it has no role metadata', () => {
    const c = tally([
      entry('response', END - H, { display_name: 'token-agent-b', metadata: null }),
      entry('response', END - H, { display_name: 'agent-b' }),
      entry('response', END - H, { display_name: 'not-an-agent-b' }),
      entry('response', END - H, { display_name: 'approle', metadata: { role_name: '' } }),
    ]);
    expect(c.agents.find((a) => a.agent === 'b')!.calls).toBe(2);
  });
});

describe('limits read back from synthesized alarms', () => {
  test('takes each agent and its threshold from its call-rate alarm, sorted, ignoring other alarms', () => {
    const json = {
      resource: {
        aws_cloudwatch_metric_alarm: {
          x: { alarm_name: 'scoped-agents/f/zed/call-rate', threshold: 20 },
          y: { alarm_name: 'scoped-agents/f/zed/orphan', threshold: 1 },
          z: { alarm_name: 'scoped-agents/f/alpha/call-rate', threshold: 1000 },
          w: { alarm_name: 'billing-over-budget', threshold: 5 },
        },
      },
    };
    expect(agentLimitsOf(json)).toEqual([
      { fleet: 'f', name: 'alpha', maxCallsPerMinute: 1000 },
      { fleet: 'f', name: 'zed', maxCallsPerMinute: 20 },
    ]);
    expect(agentLimitsOf({})).toEqual([]);
  });

  test('fails when a call-rate alarm has no numeric threshold', () => {
    expect(() =>
      agentLimitsOf({ resource: { aws_cloudwatch_metric_alarm: { x: { alarm_name: 'scoped-agents/f/a/call-rate', threshold: '${var.t}' } } } }),
    ).toThrow('aws_cloudwatch_metric_alarm.x (scoped-agents/f/a/call-rate) has no numeric threshold');
  });
});
