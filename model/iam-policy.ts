import { Agent, Credential } from './fleet';
import { gatewayApiOf } from './secret-entries';

/** One IAM policy statement, as AWS reads it. */
export interface IamStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
}

/** An IAM policy document. */
export interface IamPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IamStatement[];
}

/** `storage.objects.create` → `StorageObjectsCreate`: a Sid naming the scope it comes from. */
export function sidFor(scopeName: string): string {
  return scopeName
    .split(/[._-]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** Whether the agent needs an IAM role: it has `aws:` scopes or a credential kept in Secrets Manager. */
export function needsIamRole(agent: Agent, credentials: Readonly<Record<string, Credential>> = {}): boolean {
  return agent.scopes.some(
    (s) => s.kind === 'aws' || (s.kind === 'secret' && credentials[s.secret]?.store === 'aws' && gatewayApiOf(agent, s.secret) === undefined),
  );
}

/** Bounds AWS puts on a role's `max_session_duration`, in seconds. */
const ROLE_MAX_SESSION = { min: 3_600, max: 43_200 };
/** AWS issues no role session shorter than this. */
const MIN_SESSION = 900;

/**
 * The session lengths of the agent's IAM role, from the table's TTLs within
 * AWS's bounds: the role's `max_session_duration` (`credentialMaxTtl`, at
 * least 1h, at most 12h), and the default and longest session Vault's AWS
 * engine issues it (`credentialTtl` and `credentialMaxTtl`, at least 15m,
 * never above the role's maximum).
 */
export function awsSessionLimitsFor(agent: Pick<Agent, 'credentialTtl' | 'credentialMaxTtl'>): {
  roleMaxSession: number;
  defaultSession: number;
  maxSession: number;
} {
  const roleMaxSession = Math.min(ROLE_MAX_SESSION.max, Math.max(ROLE_MAX_SESSION.min, agent.credentialMaxTtl));
  return {
    roleMaxSession,
    defaultSession: Math.max(MIN_SESSION, agent.credentialTtl),
    maxSession: Math.min(Math.max(MIN_SESSION, agent.credentialMaxTtl), roleMaxSession),
  };
}

/** ARNs only known at deploy time, which the constructs pass in as Terraform references. */
export interface IamPolicyRefs {
  /** ARN of the agent's own Secrets Manager secret, by credential name (for `store: aws`). */
  readonly secretArns?: Readonly<Record<string, string>>;
  /** ARN of the KMS key those secrets are encrypted with. */
  readonly kmsKeyArn?: string;
}

/**
 * The agent's IAM permissions: one statement per `aws:` scope, with exactly its
 * actions on exactly its resources, and one per credential it keeps in Secrets
 * Manager (read its own secret, decrypt with the fleet key). Sorted by Sid.
 *
 * @returns `undefined` when the agent needs no IAM role
 */
export function iamPolicyFor(agent: Agent, refs: IamPolicyRefs = {}): IamPolicyDocument | undefined {
  const statements: IamStatement[] = [];
  for (const scope of agent.scopes) {
    if (scope.kind !== 'aws') continue;
    statements.push({ Sid: sidFor(scope.name), Effect: 'Allow', Action: [...scope.actions], Resource: [...scope.resources] });
  }
  const secretArns = Object.entries(refs.secretArns ?? {}).sort(([a], [b]) => a.localeCompare(b));
  for (const [secret, arn] of secretArns) {
    statements.push({ Sid: `Credential${sidFor(secret)}`, Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [arn] });
  }
  if (secretArns.length > 0 && refs.kmsKeyArn !== undefined) {
    statements.push({ Sid: 'CredentialsDecrypt', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [refs.kmsKeyArn] });
  }
  if (statements.length === 0) return undefined;
  return { Version: '2012-10-17', Statement: statements.sort((a, b) => a.Sid.localeCompare(b.Sid)) };
}

/** A trust policy: who may assume a role. */
export interface TrustPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Principal: { readonly AWS: string };
    readonly Action: 'sts:AssumeRole';
  }[];
}

/**
 * The trust policy of the agent's IAM role: only `principalArn` may assume it.
 *
 * @param principalArn the agent's own runtime principal, or a reference to the
 *   principal Vault's AWS secrets engine runs as
 */
export function trustPolicyFor(principalArn: string): TrustPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: 'OnlyItsOnePrincipal', Effect: 'Allow', Principal: { AWS: principalArn }, Action: 'sts:AssumeRole' }],
  };
}
