/**
 * The usage summary: per agent, its calls and denied calls in a window, the
 * trend against earlier windows of the same length, and three flags — never
 * used, orphan and spike. One pure computation shared by the daily summary function (which
 * counts from CloudWatch) and `scoped-agents usage` (which counts from a Vault
 * audit log), so both judge the same way.
 */
import { formatDuration } from './duration';
import { cell, text } from './private/markdown';

/**
 * What "well above normal" means for a whole window: more than `factor` times
 * the median of the earlier windows, and more than `minCalls` calls (so that
 * 4 calls after a median of 1 is not a spike).
 */
export const SPIKE_RULE = { factor: 3, minCalls: 100 } as const;

/** One agent's counts over the window, as a source (CloudWatch, an audit log) gives them. */
export interface AgentUsageCounts {
  readonly agent: string;
  /** Every call in the window, denied ones included. */
  readonly calls: number;
  /** Calls refused in the window (HTTP 401/403, Vault's "permission denied"). */
  readonly denied: number;
  /**
   * Calls in each earlier window of the same length, oldest first; only
   * windows the source fully covers (none when it has no history).
   */
  readonly history: readonly number[];
  /** Most calls in any one minute of the window. */
  readonly peakMinute: number;
  /** The agent's limit: its call-rate alarm's threshold. */
  readonly maxCallsPerMinute: number;
  /** AWS API calls its IAM role made in the window, from the fleet's CloudTrail trail; absent without a trail. */
  readonly awsCalls?: number;
  /** Those of them AWS refused. */
  readonly awsDenied?: number;
  /**
   * The source knows the agent has never made a call (its call log never held
   * one): an idle agent is then "never used", not an orphan.
   * @default false - unknown, or it has called before
   */
  readonly neverUsed?: boolean;
}

/** The flags a row can carry. */
export type UsageFlag = 'never-used' | 'orphan' | 'spike';

/** The flags in the order the summary lists them, each as the summary line counts it (one, several). */
const FLAG_WORDS: Readonly<Record<UsageFlag, readonly [string, string]>> = {
  'never-used': ['never used', 'never used'],
  orphan: ['orphan', 'orphans'],
  spike: ['spike', 'spikes'],
};

/** One agent's row of the summary. */
export interface AgentUsage extends AgentUsageCounts {
  /** Median of `history`; absent without history. */
  readonly median?: number;
  /** Change of `calls` against `median`, in whole percent; absent without history or when the median is 0. */
  readonly changePercent?: number;
  /** Sorted. */
  readonly flags: readonly UsageFlag[];
  /** Why each flag is raised, in words. */
  readonly reasons: readonly string[];
}

/** What {@link summarizeUsage} needs. */
export interface UsageInput {
  /** The fleet (or fleets, comma-joined) the agents belong to. */
  readonly fleet: string;
  readonly start: Date;
  readonly end: Date;
  /** Where the counts come from, in words (e.g. `CloudWatch ScopedAgents/Calls`). */
  readonly source: string;
  readonly agents: readonly AgentUsageCounts[];
  /** `agent-*` roles the source saw that are not agents of the fleet, with their calls. */
  readonly unknownRoles?: Readonly<Record<string, number>>;
  /** Caveats about the counts (e.g. a log that starts inside the window). */
  readonly notes?: readonly string[];
}

/** The median of `values` (the mean of the middle two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Judges one agent's counts. */
export function judgeUsage(counts: AgentUsageCounts, windowText: string): AgentUsage {
  const flags = new Set<UsageFlag>();
  const reasons: string[] = [];
  const hasHistory = counts.history.length > 0;
  const m = hasHistory ? median(counts.history) : undefined;
  const changePercent = m !== undefined && m > 0 ? Math.round(((counts.calls - m) / m) * 100) : undefined;
  // An agent that only calls AWS (its IAM role, seen by the trail) is not idle.
  const idle = counts.calls === 0 && (counts.awsCalls ?? 0) === 0;
  if (idle && counts.neverUsed === true) {
    flags.add('never-used');
    reasons.push('never used: no call since it was deployed');
  } else if (idle) {
    flags.add('orphan');
    reasons.push(`orphan: no calls in ${windowText}`);
  }
  if (counts.peakMinute > counts.maxCallsPerMinute) {
    flags.add('spike');
    reasons.push(`spike: ${counts.peakMinute} calls in one minute, above its limit of ${counts.maxCallsPerMinute}`);
  }
  if (m !== undefined && counts.calls > SPIKE_RULE.factor * m && counts.calls > SPIKE_RULE.minCalls) {
    flags.add('spike');
    const earlier = `${counts.history.length} earlier ${counts.history.length === 1 ? 'window' : 'windows'}`;
    reasons.push(`spike: ${counts.calls} calls, more than ${SPIKE_RULE.factor} × the median of ${earlier} (${m}) and more than ${SPIKE_RULE.minCalls}`);
  }
  return {
    ...counts,
    ...(m !== undefined ? { median: m } : {}),
    ...(changePercent !== undefined ? { changePercent } : {}),
    flags: [...flags].sort(),
    reasons,
  };
}

/** The trend in words: `+45 % (median 80)`, `new (median 0)`, `no history`. */
export function trendText(row: AgentUsage): string {
  if (row.median === undefined) return 'no history';
  if (row.changePercent === undefined) return row.calls === 0 ? '0 (median 0)' : 'new (median 0)';
  return `${row.changePercent >= 0 ? '+' : ''}${row.changePercent} % (median ${row.median})`;
}

/** A length of time in words: `24 h` for whole hours, else as the table writes durations (`90m` → `1h30m`). */
export function windowText(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : formatDuration(seconds);
}

/** `2026-11-27 07:00:00 UTC`. */
export function utcText(d: Date): string {
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** The JSON form of a {@link UsageReport} (`scoped-agents usage --format json`). */
export interface UsageReportJson {
  readonly fleet: string;
  readonly window: { readonly start: string; readonly end: string; readonly seconds: number };
  readonly source: string;
  readonly spikeRule: typeof SPIKE_RULE;
  readonly totals: {
    readonly agents: number;
    readonly calls: number;
    readonly denied: number;
    readonly neverUsed: number;
    readonly orphans: number;
    readonly spikes: number;
  };
  readonly agents: readonly {
    readonly agent: string;
    readonly calls: number;
    readonly denied: number;
    readonly history: readonly number[];
    readonly median: number | null;
    readonly changePercent: number | null;
    readonly peakMinute: number;
    readonly maxCallsPerMinute: number;
    /** From the fleet's CloudTrail trail; present only when the source counted AWS calls. */
    readonly awsCalls?: number;
    readonly awsDenied?: number;
    readonly neverUsed: boolean;
    readonly orphan: boolean;
    readonly spike: boolean;
    readonly reasons: readonly string[];
  }[];
  readonly unknownRoles: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
}

/** A usage summary, with its Markdown and JSON renderings. */
export class UsageReport {
  /** Sorted by agent name. */
  public readonly agents: readonly AgentUsage[];
  /** The window's length in words, e.g. `24 h`. */
  public readonly windowText: string;

  constructor(public readonly input: UsageInput) {
    this.windowText = windowText(Math.round((input.end.getTime() - input.start.getTime()) / 1000));
    this.agents = [...input.agents].sort((a, b) => a.agent.localeCompare(b.agent)).map((a) => judgeUsage(a, this.windowText));
  }

  /** Rows with at least one flag. */
  public get flagged(): readonly AgentUsage[] {
    return this.agents.filter((a) => a.flags.length > 0);
  }

  /** Agents with the flag, by name. */
  public withFlag(flag: UsageFlag): string[] {
    return this.agents.filter((a) => a.flags.includes(flag)).map((a) => a.agent);
  }

  /** Totals over every agent. */
  public get totals(): UsageReportJson['totals'] {
    return {
      agents: this.agents.length,
      calls: this.agents.reduce((n, a) => n + a.calls, 0),
      denied: this.agents.reduce((n, a) => n + a.denied, 0),
      neverUsed: this.withFlag('never-used').length,
      orphans: this.withFlag('orphan').length,
      spikes: this.withFlag('spike').length,
    };
  }

  /** One line: `3 agents, 73 calls, 3 denied; flagged: 1 orphan (idle), 1 spike (burster).` */
  public summaryLine(): string {
    const t = this.totals;
    const flagged = (Object.keys(FLAG_WORDS) as UsageFlag[])
      .map((f) => ({ f, names: this.withFlag(f) }))
      .filter((x) => x.names.length > 0)
      .map((x) => `${x.names.length} ${FLAG_WORDS[x.f][x.names.length === 1 ? 0 : 1]} (${x.names.join(', ')})`);
    return `${t.agents} agent${t.agents === 1 ? '' : 's'}, ${t.calls} call${t.calls === 1 ? '' : 's'}, ${t.denied} denied; ${flagged.length > 0 ? `flagged: ${flagged.join(', ')}` : 'nothing flagged'}.`;
  }

  /** The rule each flag follows, in one paragraph. */
  public rulesText(): string {
    return (
      `Orphan: no call in the window. Never used: no call in the window, and its call log never held one. Spike: more calls in one minute than the agent's maxCallsPerMinute, or more than ` +
      `${SPIKE_RULE.factor} × the median of the earlier windows and more than ${SPIKE_RULE.minCalls} calls.` +
      (this.agents.some((a) => a.awsCalls !== undefined) ? ' AWS calls (the fleet trail) count as calls: an agent that only calls AWS is not idle.' : '')
    );
  }

  /** The summary as Markdown (what `scoped-agents usage` prints). */
  public toMarkdown(): string {
    const { input } = this;
    // AWS calls (from the fleet's trail) beside the gateway's, when the source counted them.
    const aws = this.agents.some((a) => a.awsCalls !== undefined);
    const header = `| agent | calls | denied${aws ? ' | AWS calls | AWS denied' : ''} | trend vs median of earlier ${this.windowText} | peak per minute (limit) | flags |`;
    const rows = this.agents.map(
      (a) =>
        `| ${cell(a.agent)} | ${a.calls} | ${a.denied}${aws ? ` | ${a.awsCalls ?? 0} | ${a.awsDenied ?? 0}` : ''} | ${trendText(a)} | ${a.peakMinute} (${a.maxCallsPerMinute}) | ${a.reasons.map((r) => cell(r).replace(/^([\w ]+):/, '**$1**:')).join('; ')} |`,
    );
    const unknown = Object.entries(input.unknownRoles ?? {}).sort(([a], [b]) => a.localeCompare(b));
    return [
      // The audit log is another program's output: every value from it is escaped.
      `## Usage of fleet ${text(input.fleet)}`,
      '',
      `${this.windowText} from ${utcText(input.start)} to ${utcText(input.end)}; source: ${text(input.source)}.`,
      '',
      header,
      `|---|--:|--:|${aws ? '--:|--:|' : ''}---|--:|---|`,
      ...rows,
      '',
      text(this.summaryLine()),
      '',
      this.rulesText(),
      ...(unknown.length > 0 ? ['', `Roles named like agents but not in this fleet: ${unknown.map(([r, n]) => `${text(r)} (${n})`).join(', ')}.`] : []),
      ...(input.notes ?? []).flatMap((n) => ['', `Note: ${text(n)}`]),
      '',
    ].join('\n');
  }

  /** The summary as JSON (`scoped-agents usage --format json`). */
  public toJson(): UsageReportJson {
    const { input } = this;
    return {
      fleet: input.fleet,
      window: { start: input.start.toISOString(), end: input.end.toISOString(), seconds: Math.round((input.end.getTime() - input.start.getTime()) / 1000) },
      source: input.source,
      spikeRule: SPIKE_RULE,
      totals: this.totals,
      agents: this.agents.map((a) => ({
        agent: a.agent,
        calls: a.calls,
        denied: a.denied,
        history: a.history,
        median: a.median ?? null,
        changePercent: a.changePercent ?? null,
        peakMinute: a.peakMinute,
        maxCallsPerMinute: a.maxCallsPerMinute,
        ...(a.awsCalls !== undefined ? { awsCalls: a.awsCalls, awsDenied: a.awsDenied ?? 0 } : {}),
        neverUsed: a.flags.includes('never-used'),
        orphan: a.flags.includes('orphan'),
        spike: a.flags.includes('spike'),
        reasons: a.reasons,
      })),
      unknownRoles: Object.fromEntries(Object.entries(input.unknownRoles ?? {}).sort(([a], [b]) => a.localeCompare(b))),
      notes: input.notes ?? [],
    };
  }
}

/** Judges every agent's counts into a {@link UsageReport}. */
export function summarizeUsage(input: UsageInput): UsageReport {
  if (!(input.end.getTime() > input.start.getTime()))
    throw new Error(`usage: the window must end after it starts (${input.start.toISOString()} → ${input.end.toISOString()})`);
  return new UsageReport(input);
}
