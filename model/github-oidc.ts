/**
 * GitHub Actions as an identity provider: what a workflow run's OIDC token
 * must say for Vault and AWS to accept it as one agent. Pure: call any of it
 * from a REPL.
 *
 * GitHub signs one token per run (on request, with an audience the workflow
 * chooses). Among its claims: `iss` (always {@link GITHUB_OIDC}.issuer),
 * `aud`, `sub` (`repo:<owner>/<name>:environment:<environment>` for a job that
 * names an environment, in GitHub's default subject template), `repository`
 * and `environment`. An agent is bound to exactly one repository and one
 * environment, never a pattern.
 */
import { Agent, agentResourceName, Fleet, FleetSettings } from './fleet';

/** GitHub Actions' OIDC issuer and the audience AWS expects. */
export const GITHUB_OIDC = {
  /** `iss` of every token, and the OIDC discovery URL. */
  issuer: 'https://token.actions.githubusercontent.com',
  /** The issuer's host: IAM's condition-key prefix and the OIDC provider's URL without scheme. */
  host: 'token.actions.githubusercontent.com',
  /** The audience aws-actions/configure-aws-credentials requests, and IAM checks. */
  awsAudience: 'sts.amazonaws.com',
} as const;

/** The repository and environment an agent runs in (`github:` in the table). */
export interface GithubBinding {
  /** `owner/name`. */
  readonly repository: string;
  readonly environment: string;
}

/** `repo:<owner>/<name>:environment:<environment>`: the `sub` claim of a job of that environment (GitHub's default template). */
export function githubSubject(binding: GithubBinding): string {
  return `repo:${binding.repository}:environment:${binding.environment}`;
}

/** The owner and the name of a binding's repository. */
export function githubRepositoryParts(repository: string): { owner: string; name: string } {
  const [owner, name] = repository.split('/');
  return { owner, name };
}

/**
 * The GitHub owners (users or organizations) the fleet writes to: those of the
 * `github-actions` agents' repositories and of the runbook repository. Sorted;
 * empty when the fleet needs no GitHub provider.
 */
export function githubOwners(fleet: Pick<Fleet, 'agents' | 'settings'>): string[] {
  const repositories = [
    ...fleet.agents.flatMap((a) => (a.platform === 'github-actions' && a.github ? [a.github.repository] : [])),
    ...(fleet.settings.runbooks ? [fleet.settings.runbooks.repository] : []),
  ];
  return [...new Set(repositories.map((r) => githubRepositoryParts(r).owner))].sort();
}

/**
 * The audience the fleet's Vault role requires: one string per fleet, which a
 * workflow requests for Vault only (`jwtGithubAudience` of
 * hashicorp/vault-action), so a token minted for AWS or any other relying
 * party is refused by Vault, and a Vault token by AWS.
 */
export function githubVaultAudience(settings: Pick<FleetSettings, 'name'>): string {
  return `scoped-agents:${settings.name}`;
}

/** A Vault JWT auth role, as the `vault_jwt_auth_backend_role` resource takes it. */
export interface GithubJwtRole {
  readonly roleName: string;
  readonly roleType: 'jwt';
  /** The claim that names the login (its entity alias): `sub`, one per repository and environment. */
  readonly userClaim: 'sub';
  /** Exactly one audience. */
  readonly boundAudiences: readonly [string];
  /** Exactly the repository and the environment, compared as literal strings (no glob). */
  readonly boundClaims: { readonly repository: string; readonly environment: string };
  readonly boundClaimsType: 'string';
  /** Only the agent's own policy. */
  readonly tokenPolicies: readonly [string];
  readonly tokenNoDefaultPolicy: true;
  readonly tokenType: 'service';
  readonly tokenTtl: number;
  readonly tokenMaxTtl: number;
  readonly tokenExplicitMaxTtl: number;
  /** The table's `boundCidrs` (a self-hosted runner's network); empty for anywhere. */
  readonly tokenBoundCidrs: readonly string[];
}

/**
 * The Vault JWT role of a `github-actions` agent: a token logs in only when
 * its audience is the fleet's and its `repository` and `environment` claims
 * are exactly the table's; the Vault token it gets carries only the agent's
 * policy, for the table's TTLs.
 *
 * @throws when the agent has no `github:` binding
 */
export function githubJwtRoleFor(agent: Agent, settings: Pick<FleetSettings, 'name'>): GithubJwtRole {
  if (agent.github === undefined) throw new Error(`agent ${agent.name} has no github: binding, so no GitHub JWT role`);
  const name = agentResourceName(agent);
  return {
    roleName: name,
    roleType: 'jwt',
    userClaim: 'sub',
    boundAudiences: [githubVaultAudience(settings)],
    boundClaims: { repository: agent.github.repository, environment: agent.github.environment },
    boundClaimsType: 'string',
    tokenPolicies: [name],
    tokenNoDefaultPolicy: true,
    tokenType: 'service',
    tokenTtl: agent.credentialTtl,
    tokenMaxTtl: agent.credentialMaxTtl,
    tokenExplicitMaxTtl: agent.credentialMaxTtl,
    tokenBoundCidrs: [...agent.boundCidrs],
  };
}

/** A trust policy that admits one federated identity under conditions. */
export interface WebIdentityTrustPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Principal: { readonly Federated: string };
    readonly Action: 'sts:AssumeRoleWithWebIdentity';
    readonly Condition: { readonly StringEquals: Readonly<Record<string, string>> };
  }[];
}

/**
 * The trust policy of a `github-actions` agent's IAM role: only GitHub's OIDC
 * provider, only for a token whose audience is `sts.amazonaws.com` and whose
 * subject is exactly the agent's repository and environment (`StringEquals`,
 * never `StringLike`: no wildcard reaches another branch, environment or fork).
 *
 * @param providerArn ARN of the account's IAM OIDC provider for token.actions.githubusercontent.com
 */
export function githubTrustPolicyFor(providerArn: string, binding: GithubBinding): WebIdentityTrustPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyItsRepositoryEnvironment',
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC.host}:aud`]: GITHUB_OIDC.awsAudience,
            [`${GITHUB_OIDC.host}:sub`]: githubSubject(binding),
          },
        },
      },
    ],
  };
}
