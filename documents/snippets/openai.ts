import { Agent } from '../../model/fleet';
import { AgentDelivery } from '../../model/delivery';
import { environmentOf } from './claude';
import { SnippetFile } from './snippet-file';

/** `Upload PDF` → `upload_pdf`: a function name OpenAI accepts (`^[a-zA-Z0-9_-]{1,64}$`). */
export function toolName(action: string): string {
  const name = action
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
  return name === '' ? 'action' : name;
}

/**
 * OpenAI: the assistant's tools, one function per action of the table (its
 * description names the scopes it may use), and `metadata` naming each secret
 * reference, as in the source material (`"bucket_token": "{{secrets.BUCKET_TOKEN}}"`).
 * The tool's implementation reads the secret at run time and is held to the
 * scopes by the credential itself.
 */
export function openaiSnippet(agent: Agent, delivery: AgentDelivery): SnippetFile[] {
  const used = new Map<string, number>();
  const tools = agent.actions.map((a) => {
    const base = toolName(a.action);
    const n = (used.get(base) ?? 0) + 1;
    used.set(base, n);
    const name = n === 1 ? base : `${base.slice(0, 60)}_${n}`;
    return {
      type: 'function',
      function: { name, description: `${a.action} (scopes: ${a.scopes.join(', ')})`, parameters: { type: 'object', properties: {} } },
    };
  });
  const metadata: Record<string, string> = { agent: agent.name };
  for (const [env, value] of Object.entries(environmentOf(delivery))) metadata[env.toLowerCase()] = value;
  const assistant = { name: agent.name, tools, metadata };
  return [{ name: 'snippet.json', content: `${JSON.stringify(assistant, null, 2)}\n` }];
}
