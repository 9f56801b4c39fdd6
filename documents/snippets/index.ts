/**
 * The per-agent snippet of each platform: what to paste where the agent runs.
 * References only, never a value. Pure: one renderer a platform, one file a renderer.
 */
import { Agent, Fleet } from '../../model/fleet';
import { deliveryFor } from '../../model/delivery';
import { claudeSnippet } from './claude';
import { genericSnippet } from './generic';
import { githubActionsSnippet } from './github-actions';
import { openaiSnippet } from './openai';
import { SnippetFile } from './snippet-file';
import { zapierSnippet } from './zapier';

export type { SnippetFile } from './snippet-file';
export { secretTemplate } from './claude';
export { GITHUB_ACTIONS } from './github-actions';

/**
 * The snippet files of one agent, for its platform:
 * - `claude`: `snippet.json`, the agent definition's environment block (`{{secrets.NAME}}`);
 * - `openai`: `snippet.json`, the assistant's tools and metadata naming each secret reference;
 * - `zapier`: `snippet.md`, the dedicated-connection checklist;
 * - `generic`: `snippet.env` and `snippet.vault-agent.hcl` (OpenBao/Vault Agent: AppRole auto-auth, templates);
 * - `github-actions`: `snippet.yml`, a workflow job logging in with its OIDC token.
 */
export function snippetFilesFor(agent: Agent, fleet: Pick<Fleet, 'settings' | 'credentials'>): SnippetFile[] {
  const delivery = deliveryFor(agent, fleet);
  switch (agent.platform) {
    case 'claude':
      return claudeSnippet(delivery);
    case 'openai':
      return openaiSnippet(agent, delivery);
    case 'zapier':
      return zapierSnippet(agent, delivery, fleet.settings);
    case 'github-actions':
      return githubActionsSnippet(agent, delivery);
    case 'generic':
      return genericSnippet(agent, delivery, fleet.settings);
  }
}
