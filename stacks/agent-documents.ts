import { mkdirSync, rmSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { agentDocumentsFor } from '../documents/agent-documents';
import { Fleet } from '../model/fleet';

/** The folder under the output directory that holds the agents' documents. */
export const AGENT_DOCUMENTS_DIR = 'agents';

/**
 * Writes every agent's runbook and platform snippets beside the synthesized
 * stacks, as `<outdir>/agents/<agent>/RUNBOOK.md` and `snippet.*`. The folder
 * is replaced whole, so an agent removed from the table leaves no stale page.
 *
 * @returns the paths written, relative to `outdir`, sorted
 */
export function writeAgentDocuments(fleet: Fleet, outdir: string): string[] {
  rmSync(join(outdir, AGENT_DOCUMENTS_DIR), { recursive: true, force: true });
  const written: string[] = [];
  for (const doc of agentDocumentsFor(fleet)) {
    const file = join(outdir, doc.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, doc.content, { mode: 0o644 });
    written.push(doc.path);
  }
  return written;
}
