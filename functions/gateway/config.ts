/**
 * An agent's item, read back and checked before the gateway acts on it: an
 * item that does not hold what the constructs write is refused whole (the
 * agent then gets 503), never half-applied.
 */
import { GatewayAgentConfig } from '../../model/gateway';
import { parseEndpoint } from '../../model/http-grants';

/** The gateway's reading of an agent's item failed; the message says what, never a credential (the item holds none). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const PLACEMENTS = new Set(['bearer', 'header', 'basic', 'query']);

/**
 * Parses the `config` attribute of an agent's item.
 *
 * @throws ConfigError naming every field that is not as written by the constructs
 */
export function parseAgentConfig(json: string | undefined, where: string): GatewayAgentConfig {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '');
  } catch {
    throw new ConfigError(`${where}: config is not JSON`);
  }
  const c = value as Partial<GatewayAgentConfig> | null;
  const problems: string[] = [];
  if (!c || typeof c !== 'object') throw new ConfigError(`${where}: config is not an object`);
  if (typeof c.agent !== 'string' || c.agent === '') problems.push('agent');
  if (c.auth !== 'gateway-key' && c.auth !== 'vault-token') problems.push('auth');
  if (typeof c.maxCallsPerMinute !== 'number' || !Number.isInteger(c.maxCallsPerMinute) || c.maxCallsPerMinute < 1) problems.push('maxCallsPerMinute');
  if (!c.apis || typeof c.apis !== 'object') problems.push('apis');
  for (const [name, api] of Object.entries(c.apis ?? {})) {
    let base: URL | undefined;
    try {
      base = new URL(api.baseUrl);
    } catch {
      base = undefined;
    }
    if (
      !base ||
      (base.protocol !== 'https:' && !(base.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname))) ||
      base.search ||
      base.hash ||
      base.username
    )
      problems.push(`apis.${name}.baseUrl`);
    if (!api.placement || !PLACEMENTS.has(api.placement.type)) problems.push(`apis.${name}.placement`);
    const cred = api.credential;
    if (!cred || (cred.store !== 'vault' && cred.store !== 'aws') || typeof cred.location !== 'string' || typeof cred.field !== 'string')
      problems.push(`apis.${name}.credential`);
    if (!Array.isArray(api.endpoints) || api.endpoints.some((e) => typeof e !== 'string' || parseEndpoint(name, e).problem !== undefined))
      problems.push(`apis.${name}.endpoints`);
  }
  if (problems.length > 0) throw new ConfigError(`${where}: config has unusable ${problems.join(', ')}`);
  return c as GatewayAgentConfig;
}
