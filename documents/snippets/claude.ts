import { AgentDelivery, SecretReference } from '../../model/delivery';
import { SnippetFile } from './snippet-file';

/** `{{secrets.NAME}}`: how Claude's agent definition (and OpenAI's metadata, in the seed) refers to a stored secret. */
export function secretTemplate(ref: Pick<SecretReference, 'name'>): string {
  return `{{secrets.${ref.name}}}`;
}

/**
 * The environment of the agent as the platform's secret store serves it: each
 * plain setting as its value (or, when only known at deploy time, a secret of
 * that name), each credential and the Vault login as `{{secrets.NAME}}`,
 * and, for an agent calling through the gateway, the gateway's URL, each
 * API's base URL under it and its gateway key. Ordered: settings, Vault
 * login, credentials, gateway.
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
  const gateway = delivery.gateway;
  if (gateway) {
    // Its SaaS calls go to the gateway: one base URL an API, and its gateway key; the provider keys stay with the gateway.
    const url = gateway.url.value ?? secretTemplate({ name: gateway.url.env });
    env[gateway.url.env] = url;
    for (const api of gateway.apis) env[api.env] = `${url}${api.path}`;
    if (gateway.key) env[gateway.key.env] = secretTemplate(gateway.key);
  }
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
