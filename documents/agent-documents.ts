import { Fleet } from '../model/fleet';
import { runbookFor } from './runbook';
import { snippetFilesFor } from './snippets';

/** A file written beside the synthesized output. */
export interface AgentDocument {
  /** Path relative to the output directory, `agents/<agent>/<file>`. */
  readonly path: string;
  readonly agent: string;
  readonly content: string;
}

/** Folder of an agent's documents, relative to the output directory. */
export function agentDocumentsDir(agent: string): string {
  return `agents/${agent}`;
}

/**
 * Every agent's documents: its runbook (`RUNBOOK.md`) and its platform's
 * snippet files (`snippet.*`), sorted by path. References only: no document
 * holds a secret value.
 */
export function agentDocumentsFor(fleet: Pick<Fleet, 'agents' | 'settings' | 'credentials' | 'apis'>): AgentDocument[] {
  const docs: AgentDocument[] = [];
  for (const agent of fleet.agents) {
    const dir = agentDocumentsDir(agent.name);
    docs.push({ path: `${dir}/RUNBOOK.md`, agent: agent.name, content: runbookFor(agent, fleet) });
    for (const file of snippetFilesFor(agent, fleet)) docs.push({ path: `${dir}/${file.name}`, agent: agent.name, content: file.content });
  }
  return docs.sort((a, b) => a.path.localeCompare(b.path));
}
