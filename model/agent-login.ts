import { Agent, agentResourceName, Credential, FleetSettings } from './fleet';
import { needsIamRole } from './iam-policy';

/**
 * How an agent proves who it is to Vault:
 * - `approle`: a role-id and a secret-id that the rotation issues and delivers
 *   to Secrets Manager (every platform but GitHub Actions);
 * - `github-jwt`: the OIDC token GitHub Actions gives each workflow run, checked
 *   by Vault's JWT auth backend against the agent's repository and
 *   environment. Nothing is stored or delivered: no secret-id exists.
 */
export type LoginMethod = 'approle' | 'github-jwt';

/** How the agent logs in to Vault: `github-jwt` for `github-actions` agents, `approle` for every other. */
export function loginMethodOf(agent: Pick<Agent, 'platform' | 'github'>): LoginMethod {
  return agent.platform === 'github-actions' && agent.github !== undefined ? 'github-jwt' : 'approle';
}

/**
 * How the agent reaches AWS, when it needs to at all:
 * - `none`: no `aws:` scope and no credential kept in Secrets Manager;
 * - `vault-broker`: Vault's AWS secrets engine assumes the agent's role and
 *   hands it STS sessions (`<aws mount>/creds/agent-<name>`);
 * - `own-principal`: the agent runs as its `awsPrincipal`, which assumes the role itself;
 * - `github-oidc`: the workflow run exchanges its GitHub OIDC token for a
 *   session (`sts:AssumeRoleWithWebIdentity`), trusted only for its
 *   repository and environment.
 */
export type AwsAccess = 'none' | 'vault-broker' | 'own-principal' | 'github-oidc';

/** How the agent reaches AWS (see {@link AwsAccess}). */
export function awsAccessOf(agent: Agent, credentials: Readonly<Record<string, Credential>> = {}): AwsAccess {
  if (!needsIamRole(agent, credentials)) return 'none';
  if (loginMethodOf(agent) === 'github-jwt') return 'github-oidc';
  return agent.awsPrincipal !== undefined ? 'own-principal' : 'vault-broker';
}

/** Where Vault's AWS secrets engine issues the agent its STS sessions: `<aws mount>/creds/agent-<name>`. */
export function awsCredentialsPath(settings: Pick<FleetSettings, 'awsMount'>, agent: Pick<Agent, 'name'>): string {
  return `${settings.awsMount}/creds/${agentResourceName(agent)}`;
}
