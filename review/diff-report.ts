import { PrivilegeDiff } from './diff';
import { cell, cellCode, table } from '../model/private/markdown';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * The privilege diff as a reviewer reads it in a pull request: a verdict line,
 * then one table row per change naming the agent and the exact grant, broadening
 * changes first (in the spirit of `cdk diff`'s IAM statement changes).
 */
export function renderDiffMarkdown(diff: PrivilegeDiff): string {
  const { broadening, narrowing, agents } = diff.summary;
  const lines = ['## Privilege diff', '', `Base ${cellCode(diff.base)} → head ${cellCode(diff.head)}.`, ''];
  if (diff.changes.length === 0) {
    lines.push('No privilege changes: every agent keeps exactly the access it had.', '');
    return lines.join('\n');
  }
  const counts = `${plural(broadening, 'broadening change')} and ${plural(narrowing, 'narrowing change')} across ${plural(agents, 'agent')}`;
  lines.push(diff.broadened ? `**Privileges broaden**: ${counts}.` : `Only narrowing: ${counts}.`, '');
  lines.push(
    table(
      ['', 'agent', 'change', 'grant'],
      diff.changes.map((c) => [c.class, cell(c.agent), cell(c.change), c.grant]),
    ),
    '',
  );
  return lines.join('\n');
}

/** The privilege diff as JSON, with the top-level `broadened` flag CI reads. */
export function renderDiffJson(diff: PrivilegeDiff): string {
  return `${JSON.stringify(diff, null, 2)}\n`;
}
