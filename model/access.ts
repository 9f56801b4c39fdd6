/**
 * The one answer to "what may agent X do": its Vault policy and how it logs
 * in, its IAM role (statements, trust, session lengths), and where its own
 * SaaS credentials live. The constructs render this, the runbook prints it,
 * and the review reads the synthesized JSON back into the same type
 * (`review/access-matrix.ts`), so the three cannot drift apart.
 */
import { AwsAccess, awsAccessOf, LoginMethod, loginMethodOf } from './agent-login';
import { Agent, agentResourceName, Fleet } from './fleet';
import { githubJwtRoleFor, githubTrustPolicyFor, WebIdentityTrustPolicyDocument } from './github-oidc';
import { awsSessionLimitsFor, IamStatement, iamPolicyFor, TrustPolicyDocument, trustPolicyFor } from './iam-policy';
import { gatewayEndpointsOf } from './gateway';
import { HttpEndpoint } from './http-grants';
import { secretEntriesFor } from './secret-entries';
import { VaultGrant, vaultPolicyRulesFor } from './vault-policy';

/** How the agent proves who it is to Vault. */
export interface VaultLogin {
  readonly method: LoginMethod;
  /** The auth mount and the role: `approle/agent-x`, `github-actions/agent-x`. */
  readonly role: string;
  /** The policies its tokens carry: its own, nothing else. */
  readonly policies: readonly string[];
  /** Token TTL and max TTL, in seconds. */
  readonly tokenTtl: number;
  readonly tokenMaxTtl: number;
  /** AppRole secret-id TTL, in seconds (AppRole only). */
  readonly secretIdTtl?: number;
  /** Where its logins and tokens are accepted from; empty for anywhere. */
  readonly boundCidrs: readonly string[];
  /** The claims a GitHub OIDC token must carry, and its audiences (GitHub Actions only). */
  readonly boundClaims?: Readonly<Record<string, string>>;
  readonly boundAudiences?: readonly string[];
}

/** The agent's IAM role. */
export interface AwsRoleAccess {
  readonly role: string;
  /** How its sessions are issued (see {@link AwsAccess}). */
  readonly access: Exclude<AwsAccess, 'none'>;
  /** Its inline policy: one statement per `aws:` scope and per credential it keeps in AWS, sorted by Sid. */
  readonly statements: readonly IamStatement[];
  /** Who may assume it: exactly one principal. */
  readonly trust: TrustPolicyDocument | WebIdentityTrustPolicyDocument;
  /** The role's `max_session_duration`, in seconds. */
  readonly maxSessionDuration: number;
  readonly permissionsBoundary?: string;
  /** The STS sessions Vault's AWS engine issues it, in seconds (only when Vault brokers them). */
  readonly sessions?: { readonly defaultTtl: number; readonly maxTtl: number };
}

/** Where one of the agent's SaaS credentials lives: its own copy. */
export interface CredentialLocation {
  readonly store: 'vault' | 'aws';
  /** The credential, e.g. `hubspot`. */
  readonly credential: string;
  /** `<kv mount>/agents/<agent>/<credential>`, or the Secrets Manager name. */
  readonly location: string;
  /** The scopes the provider must mint it with, sorted. */
  readonly scopes: readonly string[];
  /** Who reads it: the agent, or only the fleet's gateway (which injects it into the agent's calls). */
  readonly readBy: 'agent' | 'gateway';
}

/** What one agent may do, and how it proves it is that agent. */
export interface Access {
  readonly agent: string;
  /** Its Vault policy, `agent-<name>`, path by path. */
  readonly vault: { readonly policy: string; readonly grants: readonly VaultGrant[] };
  readonly login: VaultLogin;
  /** Its IAM role, when it has `aws:` scopes or credentials kept in AWS. */
  readonly aws?: AwsRoleAccess;
  /** Sorted by location. */
  readonly secrets: readonly CredentialLocation[];
  /**
   * The endpoints it may call through the fleet's gateway, sorted by API,
   * path and method; absent for an agent that calls its APIs directly.
   */
  readonly gateway?: { readonly endpoints: readonly HttpEndpoint[] };
}

/**
 * The values only known at deploy time, which the constructs pass as
 * Terraform references. Each defaults to the reference written as the review
 * reads it back from synthesized JSON (by the resource's name), so that
 * `accessFor` and the review compare equal.
 */
export interface AccessRefs {
  /**
   * ARN of the agent's Secrets Manager secret, by credential name.
   * @default `${aws_secretsmanager_secret["<secret name>"].arn}`
   */
  readonly secretArns?: Readonly<Record<string, string>>;
  /** ARN of the fleet key. @default `${aws_kms_key.arn}` */
  readonly kmsKeyArn?: string;
  /** The principal Vault's AWS secrets engine runs as. @default `${var.vault_aws_broker_principal_arn}` */
  readonly brokerPrincipalArn?: string;
  /** ARN of GitHub's OIDC provider in IAM. @default `${aws_iam_openid_connect_provider.arn}` */
  readonly githubOidcProviderArn?: string;
  /** The AppRole and JWT auth mounts as the roles name them. @default - the table's `appRoleMount` and `jwtMount` */
  readonly appRoleBackend?: string;
  readonly jwtBackend?: string;
}

/** What `agent` may do (see {@link Access}). */
export function accessFor(agent: Agent, fleet: Pick<Fleet, 'settings' | 'credentials'>, refs: AccessRefs = {}): Access {
  const { settings, credentials } = fleet;
  const name = agentResourceName(agent);
  const method = loginMethodOf(agent);
  const entries = secretEntriesFor(agent, settings, credentials);
  // Its role reads only the Secrets Manager secrets it reads itself; the gateway's role reads the others.
  const readsItself = new Set(entries.filter((e) => e.store === 'aws' && e.readBy === 'agent').map((e) => e.secret));
  const secretArns = Object.fromEntries(
    Object.entries(
      refs.secretArns ?? Object.fromEntries(entries.map((e) => [e.secret, `\${aws_secretsmanager_secret[${JSON.stringify(e.secretsManagerName)}].arn}`])),
    ).filter(([secret]) => readsItself.has(secret)),
  );

  let login: VaultLogin;
  if (method === 'github-jwt') {
    const role = githubJwtRoleFor(agent, settings);
    login = {
      method,
      role: `${refs.jwtBackend ?? settings.jwtMount}/${role.roleName}`,
      policies: [name],
      tokenTtl: role.tokenTtl,
      tokenMaxTtl: role.tokenMaxTtl,
      boundCidrs: [...agent.boundCidrs],
      boundClaims: { ...role.boundClaims },
      boundAudiences: [...role.boundAudiences],
    };
  } else {
    login = {
      method,
      role: `${refs.appRoleBackend ?? settings.appRoleMount}/${name}`,
      policies: [name],
      tokenTtl: agent.credentialTtl,
      tokenMaxTtl: agent.credentialMaxTtl,
      secretIdTtl: agent.secretIdTtl,
      boundCidrs: [...agent.boundCidrs],
    };
  }

  const aws = awsAccessOf(agent, credentials);
  const document = iamPolicyFor(agent, { secretArns, kmsKeyArn: refs.kmsKeyArn ?? '${aws_kms_key.arn}' });
  let awsRole: AwsRoleAccess | undefined;
  if (aws !== 'none' && document) {
    const sessions = awsSessionLimitsFor(agent);
    awsRole = {
      role: name,
      access: aws,
      statements: document.Statement,
      trust:
        aws === 'github-oidc'
          ? githubTrustPolicyFor(refs.githubOidcProviderArn ?? '${aws_iam_openid_connect_provider.arn}', agent.github!)
          : trustPolicyFor(agent.awsPrincipal ?? refs.brokerPrincipalArn ?? '${var.vault_aws_broker_principal_arn}'),
      maxSessionDuration: sessions.roleMaxSession,
      ...(agent.permissionsBoundary !== undefined ? { permissionsBoundary: agent.permissionsBoundary } : {}),
      ...(aws === 'vault-broker' ? { sessions: { defaultTtl: sessions.defaultSession, maxTtl: sessions.maxSession } } : {}),
    };
  }

  return {
    agent: agent.name,
    vault: { policy: name, grants: vaultPolicyRulesFor(agent, settings, credentials) },
    login,
    ...(awsRole ? { aws: awsRole } : {}),
    secrets: entries
      .map((e): CredentialLocation => ({
        store: e.store,
        credential: e.secret,
        location: e.store === 'vault' ? `${e.mount}/${e.name}` : e.secretsManagerName,
        scopes: [...e.scopes],
        readBy: e.readBy,
      }))
      .sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0)),
    ...(agent.gateway ? { gateway: { endpoints: gatewayEndpointsOf(agent) } } : {}),
  };
}
