/**
 * The agent table as a pure, typed model: load, validate, translate.
 * Nothing here imports cdktf; call any of it from a REPL.
 */
import { Fleet } from './fleet';
import { loadTable, TableFiles } from './load-table';
import { validateTable } from './validate';

export * from './agent-documents';
export * from './agent-login';
export * from './call-log';
export * from './cloud-trail-events';
export * from './delivery';
export * from './duration';
export * from './fleet';
export * from './github-oidc';
export * from './iam-policy';
export * from './load-table';
export * from './names';
export * from './problem';
export * from './resource-names';
export * from './runbook';
export * from './schema';
export * from './secret-entries';
export * from './shards';
export * from './snippets';
export * from './synthesized-limits';
export * from './table-source';
export * from './usage';
export * from './validate';
export * from './vault-audit-log';
export * from './vault-policy';

/**
 * Loads and validates a table in one step.
 *
 * @throws TableError listing every problem in the table
 */
export async function loadFleet(files: TableFiles): Promise<Fleet> {
  return validateTable(loadTable(files));
}
export * from './operations';
export * from './review';
export * from './rules';
