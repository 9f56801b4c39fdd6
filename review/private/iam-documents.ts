import { StackView, TerraformBlock } from '../terraform';
import { memo } from './memo';
import { byCodeUnit } from './order';

/** One IAM policy statement with every list normalized to a sorted array. */
export interface NormalizedStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  /** Resources as written (references intact); see {@link StackView.stable} for display. */
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  /** `AWS:arn`, `Service:lambda.amazonaws.com`, `Federated:…`, or `*`. */
  readonly principals: readonly string[];
  /** The condition block as canonical JSON, when there is one. */
  readonly condition?: string;
}

/** An IAM policy document as read from the output: its statements, or that it could not be read. */
export interface ReadDocument {
  readonly statements: readonly NormalizedStatement[];
  /** Why the document could not be read (a reference to something that is not a policy document, not JSON…). */
  readonly unreadable?: string;
}

/** An identity policy (what a principal may do) found in a stack. */
export interface IdentityPolicy {
  readonly block: TerraformBlock;
  /** `aws_iam_role_policy/agent-x`, or the inline policy's role label. */
  readonly label: string;
  /** The role the policy is attached to or inlined in, when it is a role's. */
  readonly roleName?: string;
  readonly document: ReadDocument;
}

const list = (v: unknown): string[] => (v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x)));
const sortedUnique = (xs: string[]): string[] => [...new Set(xs)].sort();

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function principalsOf(principal: unknown): string[] {
  if (principal === undefined) return [];
  if (principal === '*') return ['*'];
  if (typeof principal !== 'object' || principal === null) return [String(principal)];
  return Object.entries(principal as Record<string, unknown>).flatMap(([kind, v]) => list(v).map((p) => (p === '*' && kind === 'AWS' ? '*' : `${kind}:${p}`)));
}

function normalize(statement: Record<string, unknown>): NormalizedStatement {
  return {
    sid: typeof statement.Sid === 'string' ? statement.Sid : undefined,
    effect: statement.Effect === 'Deny' ? 'Deny' : 'Allow',
    actions: sortedUnique(list(statement.Action)),
    notActions: sortedUnique(list(statement.NotAction)),
    resources: sortedUnique(list(statement.Resource)),
    notResources: sortedUnique(list(statement.NotResource)),
    principals: sortedUnique(principalsOf(statement.Principal)),
    condition: statement.Condition === undefined ? undefined : canonical(statement.Condition),
  };
}

/** Statements of an `aws_iam_policy_document` data source, in the JSON shape AWS reads. */
function fromPolicyDocumentData(body: Readonly<Record<string, unknown>>): NormalizedStatement[] {
  const blocks = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v : v ? [v] : []) as Record<string, unknown>[];
  return blocks(body.statement).map((s) => ({
    sid: typeof s.sid === 'string' ? s.sid : undefined,
    effect: s.effect === 'Deny' ? 'Deny' : 'Allow',
    actions: sortedUnique(list(s.actions)),
    notActions: sortedUnique(list(s.not_actions)),
    resources: sortedUnique(list(s.resources)),
    notResources: sortedUnique(list(s.not_resources)),
    principals: sortedUnique(
      blocks(s.principals).flatMap((p) => list(p.identifiers).map((id) => (id === '*' && p.type === 'AWS' ? '*' : `${String(p.type)}:${id}`))),
    ),
    condition: s.condition === undefined ? undefined : canonical(s.condition),
  }));
}

/**
 * Reads a policy argument: a JSON string, or a reference to an
 * `aws_iam_policy_document` data source. Anything else is unreadable, which
 * callers report rather than skip (a check that cannot read a policy must not pass it).
 */
export function readPolicyDocument(view: StackView, value: unknown): ReadDocument {
  if (typeof value !== 'string') return { statements: [], unreadable: 'the policy is not a string' };
  const target = view.target(value);
  if (target) {
    if (target.kind === 'data' && target.type === 'aws_iam_policy_document') return { statements: fromPolicyDocumentData(target.body) };
    return { statements: [], unreadable: `the policy is a reference to ${target.address}, which is not a policy document` };
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { statements: [], unreadable: 'the policy is not JSON' };
  }
  const statements = (json as { Statement?: unknown })?.Statement;
  const raw = Array.isArray(statements) ? statements : statements !== undefined ? [statements] : [];
  if (raw.some((s) => typeof s !== 'object' || s === null)) return { statements: [], unreadable: 'a statement is not an object' };
  return { statements: raw.map((s) => normalize(s as Record<string, unknown>)) };
}

/** Name of the role a policy attachment's `role` argument points at. */
function roleNameOf(view: StackView, value: unknown): string | undefined {
  const target = view.target(value);
  if (target) return view.nameOf(target);
  return typeof value === 'string' && !value.includes('${') ? value : undefined;
}

/**
 * Every identity policy in a stack: inline role, user and group policies,
 * managed policies, and `inline_policy` blocks of roles. Sorted by label.
 */
export function identityPolicies(view: StackView): IdentityPolicy[] {
  return [...memo(view, 'identityPolicies', () => readIdentityPolicies(view))];
}

function readIdentityPolicies(view: StackView): IdentityPolicy[] {
  const out: IdentityPolicy[] = [];
  for (const type of ['aws_iam_role_policy', 'aws_iam_policy', 'aws_iam_user_policy', 'aws_iam_group_policy']) {
    for (const block of view.resources(type)) {
      out.push({
        block,
        label: view.label(block),
        roleName: type === 'aws_iam_role_policy' ? roleNameOf(view, block.body.role) : undefined,
        document: readPolicyDocument(view, block.body.policy),
      });
    }
  }
  for (const role of view.resources('aws_iam_role')) {
    const inline = Array.isArray(role.body.inline_policy) ? role.body.inline_policy : role.body.inline_policy ? [role.body.inline_policy] : [];
    (inline as Record<string, unknown>[]).forEach((p, i) => {
      if (p.policy === undefined) return;
      out.push({ block: role, label: `${view.label(role)} inline_policy[${i}]`, roleName: view.nameOf(role), document: readPolicyDocument(view, p.policy) });
    });
  }
  return out.sort((a, b) => byCodeUnit(a.label, b.label));
}

/** The trust policy of a role: who may assume it. */
export function trustDocument(view: StackView, role: TerraformBlock): ReadDocument {
  return readPolicyDocument(view, role.body.assume_role_policy);
}
