import { normalizeName } from '../../model/names';
import { Problem } from '../../model/problem';
import { DocPath, TableSource } from '../table-source';
import { SettingProblem } from './inherit';

const asRecord = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The table's `agents:` list as written, each item as it is (a broken one included). */
export function rawAgentsOf(source: TableSource): unknown[] {
  const agents = asRecord(source.data).agents;
  return Array.isArray(agents) ? agents : [];
}

/** How problems name the agent at position `i`: its normalized name, or `#<n>` when it has none. */
export function agentLabel(source: TableSource, i: number): string {
  const name = asRecord(rawAgentsOf(source)[i]).name;
  return typeof name === 'string' && normalizeName(name) !== '' ? normalizeName(name) : `#${i + 1}`;
}

/** The agent a path is inside, when it is inside one. */
export function agentAt(source: TableSource, path: DocPath): string | undefined {
  return path[0] === 'agents' && typeof path[1] === 'number' ? agentLabel(source, path[1]) : undefined;
}

/** A checker's problem, located in the source and attributed to its agent. */
export function located(source: TableSource, p: SettingProblem, agent?: string): Problem {
  return { rule: p.rule, ...source.locate(p.path, p.key), agent: agent ?? agentAt(source, p.path), value: p.value, message: p.message, fix: p.fix };
}

export { asRecord };
