/**
 * Counting agents' calls in a Vault (or OpenBao) audit log: the JSON lines a
 * `file` audit device writes, one `request` and one `response` entry per
 * request. Each response entry is one call; it is the agent's when the token
 * it carried (or the login it answered) belongs to the agent's AppRole role,
 * `agent-<name>` (`auth.metadata.role_name`). Denied calls are those whose
 * `error` says "permission denied" (Vault answers them 403).
 *
 * Pure: lines in, counts out; the CLI streams the file into {@link VaultAuditTally}.
 */
import { AGENT_PREFIX } from '../model/fleet';
import { AgentUsageCounts, utcText } from '../model/usage';

/** The parts of an audit entry the tally reads. */
interface AuditEntry {
  readonly time?: unknown;
  readonly type?: unknown;
  readonly error?: unknown;
  readonly auth?: { readonly metadata?: Record<string, unknown> | null; readonly display_name?: unknown } | null;
}

/** Options of {@link VaultAuditTally}. */
export interface VaultAuditTallyOptions {
  /** The fleet's agents and their call-rate limits. */
  readonly agents: readonly { readonly name: string; readonly maxCallsPerMinute: number }[];
  readonly start: Date;
  readonly end: Date;
  /** How many earlier windows of the same length to count, for the trend. */
  readonly historyWindows: number;
}

/** What a tally counted. */
export interface VaultAuditCounts {
  readonly agents: AgentUsageCounts[];
  /** `agent-*` roles that are not agents of the fleet, with their calls in the window. */
  readonly unknownRoles: Record<string, number>;
  /** Audit entries read (requests and responses). */
  readonly entries: number;
  /** Lines that are not audit entries, and the first of them (1-based). */
  readonly malformed: { readonly count: number; readonly firstLine?: number };
  readonly firstTime?: Date;
  readonly lastTime?: Date;
  /** Caveats for the report. */
  readonly notes: string[];
}

/** `2026-11-27T19:02:53.996877678Z` → epoch milliseconds (Vault writes nanoseconds). */
function timeOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const t = Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(t) ? undefined : t;
}

/**
 * The AppRole role an audit entry is attributed to: `auth.metadata.role_name`
 * (tokens from an AppRole login carry it, and so does the login's own
 * response); else a `display_name` of `agent-<name>`, or `token-agent-<name>`
 * (what Vault makes of `vault token create -display-name=agent-<name>`).
 */
export function auditRole(auth: AuditEntry['auth']): string | undefined {
  const role = auth?.metadata?.role_name;
  if (typeof role === 'string' && role !== '') return role;
  const display = auth?.display_name;
  if (typeof display !== 'string') return undefined;
  const name = display.replace(/^token-/, '');
  return name.startsWith(AGENT_PREFIX) ? name : undefined;
}

interface AgentTally {
  readonly maxCallsPerMinute: number;
  calls: number;
  denied: number;
  readonly minutes: Map<number, number>;
  readonly history: number[];
}

/** Counts, line by line, what each of the fleet's agents did in a window and in the windows before it. */
export class VaultAuditTally {
  private readonly byRole = new Map<string, { name: string; tally: AgentTally }>();
  private readonly unknownRoles: Record<string, number> = {};
  private readonly start: number;
  private readonly end: number;
  private readonly length: number;
  private entries = 0;
  private lineNumber = 0;
  private malformed = 0;
  private firstMalformed?: number;
  private firstTime?: number;
  private lastTime?: number;

  constructor(private readonly options: VaultAuditTallyOptions) {
    this.start = options.start.getTime();
    this.end = options.end.getTime();
    this.length = this.end - this.start;
    if (!(this.length > 0)) throw new Error('usage: the window must end after it starts');
    for (const a of options.agents) {
      this.byRole.set(`${AGENT_PREFIX}${a.name}`, {
        name: a.name,
        tally: { maxCallsPerMinute: a.maxCallsPerMinute, calls: 0, denied: 0, minutes: new Map(), history: new Array(options.historyWindows).fill(0) },
      });
    }
  }

  /** Reads one line of the log (empty lines are skipped). */
  public add(line: string): void {
    this.lineNumber++;
    if (line.trim() === '') return;
    let entry: AuditEntry;
    try {
      entry = JSON.parse(line);
    } catch {
      this.noteMalformed();
      return;
    }
    const time = entry && typeof entry === 'object' ? timeOf(entry.time) : undefined;
    if (time === undefined || (entry.type !== 'request' && entry.type !== 'response')) {
      this.noteMalformed();
      return;
    }
    this.entries++;
    this.firstTime = this.firstTime === undefined ? time : Math.min(this.firstTime, time);
    this.lastTime = this.lastTime === undefined ? time : Math.max(this.lastTime, time);
    // Each request has a request entry and a response entry: count the responses, which carry the outcome.
    if (entry.type !== 'response') return;
    const role = auditRole(entry.auth);
    if (role === undefined) return;
    const known = this.byRole.get(role);
    if (time >= this.start && time < this.end) {
      if (!known) {
        if (role.startsWith(AGENT_PREFIX)) this.unknownRoles[role] = (this.unknownRoles[role] ?? 0) + 1;
        return;
      }
      const t = known.tally;
      t.calls++;
      if (typeof entry.error === 'string' && /permission denied/i.test(entry.error)) t.denied++;
      const minute = Math.floor(time / 60_000);
      t.minutes.set(minute, (t.minutes.get(minute) ?? 0) + 1);
    } else if (known && time < this.start) {
      const k = Math.floor((this.start - time - 1) / this.length); // 0: the window just before
      if (k < this.options.historyWindows) known.tally.history[this.options.historyWindows - 1 - k]++;
    }
  }

  private noteMalformed(): void {
    this.malformed++;
    this.firstMalformed ??= this.lineNumber;
  }

  /** The counts so far. */
  public counts(): VaultAuditCounts {
    const windows = this.options.historyWindows;
    // Only earlier windows the log covers from their start: a partly covered one would look quiet.
    const covered =
      this.firstTime === undefined
        ? 0
        : Array.from({ length: windows }, (_, i) => this.start - (windows - i) * this.length).filter((s) => s >= this.firstTime!).length;
    const agents = [...this.byRole.values()]
      .map(({ name, tally }) => ({
        agent: name,
        calls: tally.calls,
        denied: tally.denied,
        history: tally.history.slice(windows - covered),
        peakMinute: Math.max(0, ...tally.minutes.values()),
        maxCallsPerMinute: tally.maxCallsPerMinute,
      }))
      .sort((a, b) => a.agent.localeCompare(b.agent));
    const notes: string[] = [];
    if (this.firstTime !== undefined && this.firstTime >= this.end) {
      notes.push(`the audit log starts at ${utcText(new Date(this.firstTime))}, after the window: nothing in it falls in the window.`);
    } else if (this.firstTime !== undefined && this.firstTime > this.start) {
      notes.push(
        `the audit log starts at ${utcText(new Date(this.firstTime))}, inside the window: calls before then are not counted, so an orphan flag may only mean the log is young.`,
      );
    }
    if (this.lastTime !== undefined && this.lastTime < this.start) {
      notes.push(`the audit log ends at ${utcText(new Date(this.lastTime))}, before the window: nothing in it falls in the window.`);
    }
    if (this.malformed > 0)
      notes.push(
        `${this.malformed} line${this.malformed === 1 ? ' is' : 's are'} not audit entries (first: line ${this.firstMalformed}) and ${this.malformed === 1 ? 'was' : 'were'} skipped.`,
      );
    return {
      agents,
      unknownRoles: { ...this.unknownRoles },
      entries: this.entries,
      malformed: { count: this.malformed, ...(this.firstMalformed !== undefined ? { firstLine: this.firstMalformed } : {}) },
      ...(this.firstTime !== undefined ? { firstTime: new Date(this.firstTime) } : {}),
      ...(this.lastTime !== undefined ? { lastTime: new Date(this.lastTime) } : {}),
      notes,
    };
  }
}
