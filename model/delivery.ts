/**
 * Delivery: how each agent gets its credentials where it runs, as references
 * only. A reference names where a value lives (a KV v2 entry and field, a
 * Secrets Manager secret and field) and the name the platform knows it by;
 * the value itself never appears here, in a snippet, a runbook or Terraform.
 * The snippets, the runbooks and the GitHub environment all render this one
 * model.
 */
import { AwsAccess, awsAccessOf, awsCredentialsPath, LoginMethod, loginMethodOf } from './agent-login';
import { Agent, agentResourceName, Fleet, FleetSettings } from './fleet';
import { githubVaultAudience } from './github-oidc';
import { SECRET_NAMES } from './operations';
import { Platform } from './fleet';
import { CREDENTIAL_FIELDS, secretEntriesFor } from './secret-entries';
import { GATEWAY, GatewayAuth, gatewayAuthOf, gatewayEndpointsOf, gatewayPathOf } from './gateway';
import { endpointText } from './http-grants';

/** Where a referenced value lives. */
export type SecretSource =
  | {
      readonly store: 'vault';
      /** KV v2 mount. */
      readonly mount: string;
      /** Entry within the mount, `agents/<agent>/<secret>`. */
      readonly path: string;
      readonly field: string;
    }
  | {
      readonly store: 'secrets-manager';
      /** Secret name. */
      readonly name: string;
      readonly field: string;
    };

/** One secret the agent reads at run time, by reference. */
export interface SecretReference {
  /** Environment variable the agent reads it from, e.g. `HUBSPOT_TOKEN`. */
  readonly env: string;
  /** Name of the platform's own secret that holds a copy, e.g. `LEAD_ENRICHER_HUBSPOT`: written `{{secrets.LEAD_ENRICHER_HUBSPOT}}`. */
  readonly name: string;
  readonly source: SecretSource;
  /** What it is, in a few words. */
  readonly description: string;
}

/** A setting the agent needs that is not secret. */
export interface PlainSetting {
  readonly env: string;
  /** The value; absent when only known at deploy time (the `vault_addr` variable). */
  readonly value?: string;
  readonly description: string;
}

/** Everything an agent needs where it runs, as references and plain settings. */
export interface AgentDelivery {
  readonly agent: string;
  readonly platform: Platform;
  readonly login: LoginMethod;
  readonly aws: AwsAccess;
  /** Whether the agent talks to Vault at run time: a `vault:` scope, Vault-brokered AWS sessions, or a GitHub JWT login. */
  readonly usesVault: boolean;
  /** Not secret: Vault's address, its login path and role, the AWS session path. */
  readonly settings: readonly PlainSetting[];
  /** Its SaaS credentials, one reference each, sorted by credential. */
  readonly credentials: readonly SecretReference[];
  /** Its AppRole role-id and secret-id, delivered by the rotation; absent for a GitHub JWT login. */
  readonly vaultLogin?: { readonly roleId: SecretReference; readonly secretId: SecretReference };
  /** How it calls its APIs through the fleet's gateway; absent for an agent that calls them directly. */
  readonly gateway?: GatewayDelivery;
}

/** An agent's way through the gateway: the URL of each API it uses, and what it authenticates with. */
export interface GatewayDelivery {
  readonly auth: GatewayAuth;
  /** The gateway's URL: the stack output `gateway_url`, known once deployed. */
  readonly url: PlainSetting;
  /** Its gateway key (`auth: gateway-key`), delivered by the rotation. */
  readonly key?: SecretReference;
  /** Each API it calls through the gateway, sorted: the variable its HTTP client's base URL comes from, and the path under the gateway URL. */
  readonly apis: readonly { readonly api: string; readonly env: string; readonly path: string; readonly endpoints: readonly string[] }[];
}

/** `lead-enricher`, `hubspot` → `LEAD_ENRICHER_HUBSPOT`: an identifier every platform's secret store accepts. */
export function platformSecretName(...parts: readonly string[]): string {
  return parts.map((p) => p.toUpperCase().replace(/[^A-Z0-9]+/g, '_')).join('_');
}

/** What `agent` needs where it runs (see {@link AgentDelivery}). */
export function deliveryFor(agent: Agent, fleet: Pick<Fleet, 'settings' | 'credentials'>): AgentDelivery {
  const { settings, credentials } = fleet;
  const login = loginMethodOf(agent);
  const aws = awsAccessOf(agent, credentials);
  const name = agentResourceName(agent);

  // A credential only the gateway reads is not delivered: the agent never holds it.
  const credentialRefs = secretEntriesFor(agent, settings, credentials)
    .filter((entry) => entry.readBy === 'agent')
    .map((entry): SecretReference => {
      const field = CREDENTIAL_FIELDS[entry.rotator];
      return {
        env: platformSecretName(entry.secret, field),
        name: platformSecretName(agent.name, entry.secret),
        source:
          entry.store === 'vault'
            ? { store: 'vault', mount: entry.mount, path: entry.name, field }
            : { store: 'secrets-manager', name: entry.secretsManagerName, field },
        description: `${entry.secret} credential (${entry.scopes.join(', ')})`,
      };
    });

  const usesVault = login === 'github-jwt' || aws === 'vault-broker' || agent.scopes.some((s) => s.kind === 'vault');
  const delivered = SECRET_NAMES.agentLogin(settings.name, agent.name);
  const vaultLogin =
    login === 'approle'
      ? {
          roleId: {
            env: 'VAULT_ROLE_ID',
            name: platformSecretName(agent.name, 'vault-role-id'),
            source: { store: 'secrets-manager' as const, name: delivered, field: 'role_id' },
            description: `AppRole role-id of ${name}`,
          },
          secretId: {
            env: 'VAULT_SECRET_ID',
            name: platformSecretName(agent.name, 'vault-secret-id'),
            source: { store: 'secrets-manager' as const, name: delivered, field: 'secret_id' },
            description: `AppRole secret-id of ${name} (a new one at every rotation)`,
          },
        }
      : undefined;

  const plain: PlainSetting[] = [{ env: 'VAULT_ADDR', value: settings.vaultAddr, description: "Vault's address" }];
  if (login === 'approle') {
    plain.push({ env: 'VAULT_AUTH_PATH', value: settings.appRoleMount, description: 'path of the AppRole auth backend' });
  } else {
    plain.push(
      { env: 'VAULT_AUTH_PATH', value: settings.jwtMount, description: "path of the JWT auth backend that takes GitHub's OIDC tokens" },
      { env: 'VAULT_ROLE', value: name, description: 'the JWT role bound to its repository and environment' },
      { env: 'VAULT_AUDIENCE', value: githubVaultAudience(settings), description: 'the audience to request the OIDC token for' },
    );
  }
  if (aws === 'vault-broker')
    plain.push({ env: 'VAULT_AWS_CREDS_PATH', value: awsCredentialsPath(settings, agent), description: 'where Vault issues its AWS sessions' });

  return {
    agent: agent.name,
    platform: agent.platform,
    login,
    aws,
    usesVault,
    settings: plain,
    credentials: credentialRefs,
    ...(vaultLogin ? { vaultLogin } : {}),
    ...(agent.gateway ? { gateway: gatewayDeliveryOf(agent, settings) } : {}),
  };
}

/** The variable an agent reads the gateway's URL from. */
export const GATEWAY_URL_ENV = 'SCOPED_AGENTS_GATEWAY_URL';

function gatewayDeliveryOf(agent: Agent, settings: FleetSettings): GatewayDelivery {
  const auth = gatewayAuthOf(agent);
  const endpoints = gatewayEndpointsOf(agent);
  const apis = [...new Set(endpoints.map((e) => e.api))].sort().map((api) => ({
    api,
    env: platformSecretName(api, 'base-url'),
    path: gatewayPathOf(api),
    endpoints: endpoints.filter((e) => e.api === api).map(endpointText),
  }));
  return {
    auth,
    url: { env: GATEWAY_URL_ENV, description: "the fleet gateway's URL (the stack output gateway_url)" },
    ...(auth === 'gateway-key'
      ? {
          key: {
            env: 'SCOPED_AGENTS_KEY',
            name: platformSecretName(agent.name, 'gateway-key'),
            source: { store: 'secrets-manager' as const, name: GATEWAY.keySecretName(settings.name, agent.name), field: 'key' },
            description: `gateway key of ${agent.name} (a new one at every rotation; the previous one works for the grace period)`,
          },
        }
      : {}),
    apis,
  };
}

/**
 * The variables of a `github-actions` agent's GitHub environment: enough for a
 * workflow to log in to Vault with its OIDC token and to assume its IAM role.
 * None of them is secret; no secret is stored in GitHub.
 *
 * @param refs Vault's address and the IAM role's ARN (Terraform references in the constructs)
 */
export function githubEnvironmentVariables(
  agent: Agent,
  settings: FleetSettings,
  refs: { readonly vaultAddr: string; readonly roleArn?: string; readonly gatewayUrl?: string },
): Record<string, string> {
  const vars: Record<string, string> = {
    VAULT_ADDR: refs.vaultAddr,
    VAULT_AUDIENCE: githubVaultAudience(settings),
    VAULT_AUTH_PATH: settings.jwtMount,
    VAULT_ROLE: agentResourceName(agent),
  };
  if (refs.roleArn !== undefined) vars.AWS_ROLE_ARN = refs.roleArn;
  if (agent.gateway && refs.gatewayUrl !== undefined) vars[GATEWAY_URL_ENV] = refs.gatewayUrl;
  return Object.fromEntries(Object.entries(vars).sort(([a], [b]) => a.localeCompare(b)));
}
