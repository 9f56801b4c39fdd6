import { createHash } from 'crypto';
import { csvRow } from '../private/csv';
import { Finding } from './rule';
import { CheckResult } from './check';
import { Suppression } from './suppressions';

/** The formats `scoped-agents check` writes. */
export const CHECK_FORMATS = ['text', 'json', 'sarif', 'csv'] as const;
/** One of {@link CHECK_FORMATS}. */
export type CheckFormat = (typeof CHECK_FORMATS)[number];

const where = (s: Suppression): string => (s.file ? `${s.file}${s.line ? `:${s.line}` : ''}` : 'suppression');
/** A finding's message, with the resource it is about when the message does not name it. */
const about = (f: Finding): string => (f.message.includes(f.resource) || f.resource === `agent/${f.agent}` ? f.message : `${f.resource}: ${f.message}`);

/** The check result for a terminal: findings first, each with its fix; then every rule; then accepted exceptions. */
export function checkToText(result: CheckResult): string {
  const lines: string[] = [];
  const n = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;
  lines.push(
    `scoped-agents check: ${n(result.rules.length, 'rule')} over ${result.dir} (${result.stacks.join(', ')}): ` +
      `${n(result.findings.length, 'finding')}, ${n(result.accepted.length, 'accepted exception')}.`,
    '',
  );
  if (result.findings.length > 0) {
    lines.push('Findings:');
    for (const f of result.findings) lines.push(`  [${f.rule}] ${about(f)}`, `      fix: ${f.fix}`);
    lines.push('');
  }
  const width = Math.max(...result.rules.map((r) => r.id.length));
  lines.push('Rules:');
  for (const r of result.rules) {
    const counts = [r.findings > 0 ? n(r.findings, 'finding') : '', r.accepted > 0 ? `${r.accepted} accepted` : ''].filter(Boolean).join(', ');
    lines.push(`  ${r.status.padEnd(8)}  ${r.id.padEnd(width)}  ${r.name}${counts ? ` [${counts}]` : ''}`);
  }
  lines.push('');
  if (result.accepted.length > 0) {
    lines.push('Accepted exceptions (suppressed with a reason):');
    for (const { finding: f, suppression: s } of result.accepted) lines.push(`  [${f.rule}] ${about(f)}`, `      reason: ${s.reason} (${where(s)})`);
    lines.push('');
  }
  if (result.unusedSuppressions.length > 0) {
    lines.push('Suppressions that matched nothing (remove them):');
    for (const s of result.unusedSuppressions)
      lines.push(
        `  ${where(s)}: rule ${s.rule}${s.resource ? `, resource ${s.resource}` : ''}${s.agent ? `, agent ${s.agent}` : ''}${s.grant ? `, grant ${s.grant}` : ''}`,
      );
    lines.push('');
  }
  return lines.join('\n');
}

/** The check result as JSON (`passed`, `rules`, `findings`, `accepted`, `unusedSuppressions`). */
export function checkToJson(result: CheckResult): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}

/** One CSV row per finding and per accepted exception (`status` says which), for audit evidence. */
export function checkToCsv(result: CheckResult): string {
  const header = ['status', 'rule', 'stack', 'resource', 'agent', 'grant', 'message', 'fix', 'reason'];
  const row = (status: string, f: Finding, reason = ''): string =>
    csvRow([status, f.rule, f.stack, f.resource, f.agent ?? '', f.grant ?? '', f.message, f.fix, reason]);
  return `${[header.join(','), ...result.findings.map((f) => row('finding', f)), ...result.accepted.map((a) => row('accepted', a.finding, a.suppression.reason))].join('\r\n')}\r\n`;
}

/** `no-wildcard-action` → `NoWildcardAction`: SARIF rule names are identifiers. */
function pascal(id: string): string {
  return id
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** Options of {@link checkToSarif}. */
export interface SarifOptions {
  /**
   * The line of a finding's block in its file, for `region.startLine`.
   * @default - no region; code scanning shows the file
   */
  readonly lineOf?: (finding: Finding) => number | undefined;
  /** @default "0.0.0" */
  readonly version?: string;
}

/**
 * The check result as a SARIF 2.1.0 log, for GitHub code scanning and other
 * SARIF viewers: one run, one rule descriptor per rule (its controls as tags),
 * one result per finding; accepted exceptions carry an `external` suppression
 * with the written reason as justification.
 */
export function checkToSarif(result: CheckResult, options: SarifOptions = {}): string {
  const ruleIndex = new Map(result.rules.map((r, i) => [r.id, i]));
  const resultOf = (f: Finding, suppression?: Suppression): Record<string, unknown> => {
    const line = options.lineOf?.(f);
    return {
      ruleId: f.rule,
      ruleIndex: ruleIndex.get(f.rule),
      level: 'error',
      message: { text: `${about(f)}. Fix: ${f.fix}.` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: f.file.split('\\').join('/') }, ...(line ? { region: { startLine: line } } : {}) },
          logicalLocations: [{ name: f.resource, fullyQualifiedName: `${f.stack}/${f.address ?? f.resource}`, kind: 'resource' }],
        },
      ],
      partialFingerprints: {
        'scopedAgentsFinding/v1': createHash('sha256')
          .update(JSON.stringify([f.rule, f.stack, f.resource, f.grant ?? '', f.message]))
          .digest('hex'),
      },
      properties: { stack: f.stack, ...(f.agent ? { agent: f.agent } : {}), ...(f.grant ? { grant: f.grant } : {}) },
      ...(suppression ? { suppressions: [{ kind: 'external', status: 'accepted', justification: suppression.reason }] } : {}),
    };
  };
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'scoped-agents',
            semanticVersion: options.version ?? '0.0.0',
            rules: result.rules.map((r) => ({
              id: r.id,
              name: pascal(r.id),
              shortDescription: { text: r.name },
              fullDescription: { text: r.compliant },
              help: { text: `${r.compliant}\n\n${r.explanation}`, markdown: `**${r.name}**: ${r.compliant}\n\n${r.explanation}` },
              defaultConfiguration: { level: 'error' },
              properties: {
                tags: [
                  'security',
                  ...r.controls.soc2.map((c) => `SOC2 ${c}`),
                  ...r.controls.iso27001.map((c) => `ISO27001 ${c}`),
                  ...r.controls.nist80053.map((c) => `NIST800-53 ${c}`),
                ],
                controls: r.controls,
              },
            })),
          },
        },
        results: [...result.findings.map((f) => resultOf(f)), ...result.accepted.map((a) => resultOf(a.finding, a.suppression))],
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
