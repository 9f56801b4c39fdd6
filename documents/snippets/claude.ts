import { AgentDelivery, SecretReference } from '../../model/delivery';
import { SnippetFile } from './snippet-file';

/** `{{secrets.NAME}}`: how Claude's agent definition (and OpenAI's metadata, in the seed) refers to a stored secret. */
export function secretTemplate(ref: Pick<SecretReference, 'name'>): string {
  return `{{secrets.${ref.name}}}`;
}

/**
 * The environment of the agent as the platform's secret store serves it: each
 * plain setting as its value (or, when only known at deploy time, a secret of
 * that name), each credential and the Vault login as `{{secrets.NAME}}`.
 * Ordered: settings, Vault login, credentials.
 */
export function environmentOf(delivery: AgentDelivery): Record<string, string> {
  const env: Record<string, string> = {};
  if (delivery.usesVault) {
    for (const s of delivery.settings) env[s.env] = s.value ?? secretTemplate({ name: s.env });
    if (delivery.vaultLogin) {
      env[delivery.vaultLogin.roleId.env] = secretTemplate(delivery.vaultLogin.roleId);
      env[delivery.vaultLogin.secretId.env] = secretTemplate(delivery.vaultLogin.secretId);
    }
  }
  for (const c of delivery.credentials) env[c.env] = secretTemplate(c);
  return env;
}

/**
 * Claude: the agent definition's `environment` block, as in the source
 * material (`"CRM_TOKEN": "{{secrets.CRM_TOKEN}}"`). Each secret is the
 * agent's own (its name starts with the agent's), filled from where the
 * runbook says; the Vault login only when the agent talks to Vault.
 */
export function claudeSnippet(delivery: AgentDelivery): SnippetFile[] {
  const definition = { name: delivery.agent, environment: environmentOf(delivery) };
  return [{ name: 'snippet.json', content: `${JSON.stringify(definition, null, 2)}\n` }];
}
