/**
 * The daily usage summary as a readable Slack message: the window and totals,
 * then one line per agent — flagged agents first, with why — and the rules the
 * flags follow. No links: the message is read where the console may not be.
 */
import { AgentUsage, trendText, UsageReport, utcText } from '../../model/usage';
import { clip, mrkdwnEscape, SlackBlock, SlackMessage } from '../shared/slack';

/** Block Kit: at most 50 blocks a message, 3000 characters a section. */
const MAX_BLOCKS = 50;
const SECTION_CHARS = 3000;

/** One agent's line: `*lead-enricher*: 1234 calls, 3 denied, +12 % (median 1100), peak 40/min (limit 1000)`, then its reasons. */
export function agentLine(row: AgentUsage): string {
  const aws = row.awsCalls !== undefined ? `, ${row.awsCalls} AWS calls (${row.awsDenied ?? 0} denied)` : '';
  const head = `*${mrkdwnEscape(row.agent)}*: ${row.calls} calls, ${row.denied} denied${aws}, trend ${trendText(row)}, peak ${row.peakMinute}/min (limit ${row.maxCallsPerMinute})`;
  return [head, ...row.reasons.map((r) => `    • ${mrkdwnEscape(r)}`)].join('\n');
}

/** Lines packed into sections of at most {@link SECTION_CHARS} characters, under a bold title. */
function sections(title: string, lines: readonly string[]): SlackBlock[] {
  const out: string[] = [];
  let current = `*${title}*`;
  for (const line of lines) {
    const clipped = clip(line, SECTION_CHARS - title.length - 10);
    if (current.length + 1 + clipped.length > SECTION_CHARS) {
      out.push(current);
      current = `*${title} (continued)*`;
    }
    current += `\n${clipped}`;
  }
  out.push(current);
  return out.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

/** The Slack message for one summary. */
export function usageMessage(report: UsageReport): SlackMessage {
  const { fleet, end } = report.input;
  const when = `${report.windowText} to ${utcText(end)}`;
  const summary = report.summaryLine();
  const flagged = report.flagged;
  const others = report.agents.filter((a) => a.flags.length === 0);
  let body: SlackBlock[] = [
    ...(flagged.length > 0 ? sections(`Flagged (${flagged.length})`, flagged.map(agentLine)) : []),
    ...(others.length > 0 ? sections(`Everyone else (${others.length})`, others.map(agentLine)) : []),
  ];
  // header, summary, divider and the context take four blocks.
  if (body.length > MAX_BLOCKS - 4) {
    const dropped = body.length - (MAX_BLOCKS - 5);
    body = [
      ...body.slice(0, MAX_BLOCKS - 5),
      { type: 'section', text: { type: 'mrkdwn', text: `… ${dropped} more sections: run \`scoped-agents usage\` or read the dashboard for every agent.` } },
    ];
  }
  return {
    text: mrkdwnEscape(`Daily usage of fleet ${fleet}, ${when}: ${summary}`),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(`Daily usage: fleet ${fleet}`, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(`*${mrkdwnEscape(when)}*\n${mrkdwnEscape(summary)}`, SECTION_CHARS) } },
      { type: 'divider' },
      ...body,
      { type: 'context', elements: [{ type: 'mrkdwn', text: clip(mrkdwnEscape(`${report.rulesText()} Source: ${report.input.source}.`), SECTION_CHARS) }] },
    ],
  };
}
