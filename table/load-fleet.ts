import { Fleet } from '../model/fleet';
import { loadTable, TableFiles } from './load-table';
import { validateTable } from './validate';

/**
 * Loads and validates a table in one step.
 *
 * @throws TableError listing every problem in the table
 */
export async function loadFleet(files: TableFiles): Promise<Fleet> {
  return validateTable(loadTable(files));
}
