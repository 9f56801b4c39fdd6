import { Agent } from './fleet';

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

/**
 * The agent's IAM permissions: one statement per `aws:` scope, with exactly its
 * actions on exactly its resources, sorted by scope name.
 *
 * @returns `undefined` when the agent has no `aws:` scope (and so no IAM role)
 */
export function iamPolicyFor(agent: Agent): IamPolicyDocument | undefined {
  const statements: IamStatement[] = [];
  for (const scope of agent.scopes) {
    if (scope.kind !== 'aws') continue;
    statements.push({ Sid: sidFor(scope.name), Effect: 'Allow', Action: [...scope.actions], Resource: [...scope.resources] });
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
