import { createReadStream, existsSync, statSync } from 'fs';
import { isAbsolute, resolve } from 'path';
import { createInterface } from 'readline';
import { parseDuration } from '../../model/duration';
import { USAGE_SUMMARY } from '../../model/operations';
import { summarizeUsage } from '../../model/usage';
import { VaultAuditTally } from '../../review/vault-audit-log';
import { AgentLimitsError, readAgentLimits } from '../private/agent-limits';
import { flag, ParsedArgs, UsageError } from '../private/args';
import { CommandIO } from '../private/io';

const FORMATS = ['markdown', 'json'] as const;

/**
 * `scoped-agents usage`: the daily summary's judgement (calls, denied calls,
 * trend, orphan and spike flags; model/usage.ts) over a Vault or OpenBao audit
 * log, for teams without AWS. Agents come from the synthesized output, so an
 * idle agent shows as an orphan, and their limits from its call-rate alarms.
 */
export async function usage(args: ParsedArgs, io: CommandIO): Promise<number> {
  const file = flag(args, 'audit-log');
  if (file === undefined) throw new UsageError('--audit-log FILE is required: the JSON log of a Vault/OpenBao file audit device');
  const sinceText = flag(args, 'since', '24h');
  const since = parseDuration(sinceText);
  if (since === undefined) throw new UsageError(`--since must be a duration such as 24h or 90m (got "${sinceText}")`);
  const untilText = flag(args, 'until');
  const end = untilText === undefined ? new Date() : new Date(untilText);
  if (Number.isNaN(end.getTime())) throw new UsageError(`--until must be a time such as 2026-11-27T07:00:00Z (got "${untilText}")`);
  // The window and the seven before it, which the trend compares with, must start after 1970.
  if (end.getTime() - since * 1000 * (USAGE_SUMMARY.historyWindows + 1) < 0) {
    throw new UsageError(
      `--since ${sinceText} reaches back before 1970 (with the ${USAGE_SUMMARY.historyWindows} windows before it the trend compares); use a window such as 24h or 7d`,
    );
  }
  const format = flag(args, 'format', 'markdown');
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
  const out = flag(args, 'out', 'cdktf.out');

  let fleets: string[];
  let agents: { name: string; maxCallsPerMinute: number }[];
  try {
    ({ fleets, agents } = readAgentLimits(out, io));
  } catch (e) {
    if (!(e instanceof AgentLimitsError)) throw e;
    io.err(`error: ${e.message}\n`);
    return 1;
  }
  const path = isAbsolute(file) ? file : resolve(io.cwd, file);
  if (!existsSync(path) || !statSync(path).isFile()) {
    io.err(`error: ${file}: no such file; name the file your Vault audit device writes (fleet.vaultAuditFile)\n`);
    return 1;
  }

  const start = new Date(end.getTime() - since * 1000);
  const tally = new VaultAuditTally({ agents, start, end, historyWindows: USAGE_SUMMARY.historyWindows });
  // Streamed: audit logs grow to gigabytes.
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) tally.add(line);
  const counts = tally.counts();
  if (counts.entries === 0) {
    const first = counts.malformed.firstLine !== undefined ? ` (line ${counts.malformed.firstLine} is not one)` : ' (it is empty)';
    io.err(`error: ${file} holds no Vault audit entries: JSON lines with "type": "request" or "response"${first}\n`);
    return 1;
  }

  const report = summarizeUsage({
    fleet: fleets.join(', '),
    start,
    end,
    source: `Vault audit log ${file} (${counts.entries} entries)`,
    agents: counts.agents,
    unknownRoles: counts.unknownRoles,
    notes: counts.notes,
  });
  io.out(format === 'json' ? `${JSON.stringify(report.toJson(), null, 2)}\n` : report.toMarkdown());
  return args.flags['fail-on-flag'] === true && report.flagged.length > 0 ? 1 : 0;
}
