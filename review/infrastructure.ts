import { formatDuration } from '../model/duration';
import { StackView } from './terraform';
import { agentOfName, num, strings, VAULT_ROLE_TYPES } from './private/agent-resources';
import { identityPolicies, trustDocument } from './private/iam-documents';
import { readVaultPolicy } from './private/vault-documents';
import { byCodeUnit } from './private/order';

/** A resource of the fleet itself (functions and their identities): not an agent, reported apart. */
export interface InfrastructureEntry {
  readonly stack: string;
  readonly kind: 'vault-policy' | 'vault-role' | 'iam-role' | 'function';
  readonly name: string;
  readonly detail: string;
}

/** A TTL in words: `15m`, or `unset` for 0 or nothing. */
function ttlOf(value: unknown): string {
  const n = num(value);
  return n === undefined || n === 0 ? 'unset' : formatDuration(n);
}

/** The fleet's own identities and functions in a stack: everything that is not an agent's. */
export function infrastructureOf(view: StackView): InfrastructureEntry[] {
  const out: InfrastructureEntry[] = [];
  const isAgent = (name: string | undefined): boolean => agentOfName(name) !== undefined;
  for (const b of view.resources('vault_policy')) {
    const name = view.nameOf(b);
    if (isAgent(name)) continue;
    const rules = readVaultPolicy(b.body.policy).rules;
    out.push({
      stack: view.name,
      kind: 'vault-policy',
      name: name ?? b.address,
      detail: rules.map((r) => `${r.path} [${r.capabilities.join(', ')}]`).join('; '),
    });
  }
  for (const type of VAULT_ROLE_TYPES) {
    for (const b of view.resources(type)) {
      const name = view.literal(b.body.role_name);
      if (isAgent(name)) continue;
      const policies = strings(b.body.token_policies).map((p) => view.literal(p) ?? p);
      out.push({
        stack: view.name,
        kind: 'vault-role',
        name: `${view.literal(b.body.backend) ?? '?'}/${name ?? b.address}`,
        detail: `token TTL ${ttlOf(b.body.token_ttl)}, max ${ttlOf(b.body.token_max_ttl)}; policies ${policies.join(', ')}`,
      });
    }
  }
  for (const b of view.resources('aws_iam_role')) {
    const name = view.nameOf(b);
    if (isAgent(name)) continue;
    const principals = trustDocument(view, b).statements.flatMap((s) => s.principals.map((p) => view.stable(p)));
    const attached = identityPolicies(view)
      .filter((p) => p.roleName === name)
      .map((p) => p.label);
    out.push({
      stack: view.name,
      kind: 'iam-role',
      name: name ?? b.address,
      detail: `trusts ${[...new Set(principals)].sort().join(', ') || '-'}; policies ${attached.join(', ') || '-'}`,
    });
  }
  for (const b of view.resources('aws_lambda_function')) {
    const role = view.target(b.body.role);
    out.push({ stack: view.name, kind: 'function', name: view.nameOf(b) ?? b.address, detail: `runs as ${role ? view.label(role) : String(b.body.role)}` });
  }
  return out.sort((a, b) => byCodeUnit(a.stack, b.stack) || byCodeUnit(a.kind, b.kind) || byCodeUnit(a.name, b.name));
}
