import { Fleet } from '../model/fleet';
import { Problem } from '../model/problem';
import { checkAgents } from './private/check-agents';
import { checkApis, checkCredentials, checkScopes } from './private/check-catalog';
import { checkFleetWide } from './private/check-fleet-wide';
import { checkDefaults, checkFleetSettings } from './private/check-settings';
import { checkStrings } from './private/check-strings';
import { parseWithProblems } from './private/zod-problems';
import { TableSchema } from './schema';
import { redactProblem, TableError } from './table-error';
import { TableSource } from './table-source';

/**
 * Validates a loaded table and resolves it into a `Fleet`: defaults applied,
 * names normalized, scopes resolved to concrete grants, everything sorted.
 *
 * One checker a section of the table, each returning its problems: the
 * strings, the top level, `fleet:`, `defaults:`, `scopes:`, `credentials:`,
 * `agents:`, then what only the whole fleet can break. Every checker runs
 * whatever the others found; all problems are thrown together as one
 * `TableError`.
 */
export async function validateTable(source: TableSource): Promise<Fleet> {
  const problems: Problem[] = [...(source.problems ?? []), ...checkStrings(source), ...parseWithProblems(TableSchema, source.data, [], source).problems];
  const fleetSettings = checkFleetSettings(source);
  const defaults = checkDefaults(source);
  const apis = checkApis(source);
  const catalog = await checkScopes(source, fleetSettings.settings, apis.apis);
  // The gateway is on by default as soon as a scope grants endpoints through it.
  const endpoints = [...catalog.scopes.values()].flatMap((s) => (s.kind === 'secret' && s.http ? [s.http.api] : []));
  const settings = { ...fleetSettings.settings, gateway: fleetSettings.gateway ?? endpoints.length > 0 };
  const credentials = checkCredentials(source, catalog.scopes, apis.apis.known);
  const checked = checkAgents(source, {
    gateway: settings.gateway,
    defaults: defaults.defaults,
    writtenDefaults: defaults.written,
    catalog,
    credentials: credentials.credentials,
  });
  const used = Object.fromEntries([...new Set(endpoints)].sort().map((name) => [name, apis.apis.known.get(name)!]));
  const fleet: Fleet = { settings, agents: checked.agents, credentials: credentials.credentials, apis: used, warnings: [], files: source.files };
  problems.push(
    ...fleetSettings.problems,
    ...defaults.problems,
    ...apis.problems,
    ...catalog.problems,
    ...credentials.problems,
    ...checked.problems,
    ...checkFleetWide(source, fleet, checked),
  );
  if (problems.length > 0) throw new TableError(problems);
  return {
    ...fleet,
    agents: [...checked.agents].sort((a, b) => a.name.localeCompare(b.name)),
    warnings: [...credentials.warnings, ...checked.warnings].map(redactProblem),
  };
}
