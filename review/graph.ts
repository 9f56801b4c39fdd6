import { agentResourceName } from '../model/fleet';
import { deployedAlarmRevokes } from '../model/operations';
import { accessMatrix, agentKey, AgentAccess } from './access-matrix';
import { alarmsOf, credentialSecretsOf, gatewayItemOf, kvEntriesOf, named, VAULT_ROLE_TYPES } from './private/agent-resources';
import { identityPolicies } from './private/iam-documents';
import { SynthOutput } from './synth-output';
import { StackView, stackViews } from './terraform';
import { byCodeUnit } from './private/order';

/** What a graph node stands for. */
export type GraphNodeKind = 'resource' | 'data' | 'variable' | 'output' | 'missing' | 'agent' | 'scope' | 'endpoint' | 'credential' | 'policy' | 'alarm';

/** What an edge means. */
export type GraphEdgeKind =
  /** A `${type.name.attr}` (or `${var.name}`) reference in an argument of `from`. */
  | 'reference'
  /** An explicit `depends_on`. */
  | 'depends_on'
  | 'needs'
  | 'held_in'
  | 'governed_by'
  | 'revoked_on'
  | 'watched_by'
  /** From an agent to an endpoint it may call through the fleet's gateway. */
  | 'calls'
  /** From a scope to an endpoint it grants. */
  | 'grants'
  /** From an endpoint to the credential the gateway injects into its calls. */
  | 'injects'
  /** From a logical node to the resource that renders it. */
  | 'implemented_by';

/** A node: a Terraform block (`type.name`, `data.type.name`, `var.name`) or a logical one (`agent:x`, `scope:x/s`…). */
export interface GraphNode {
  readonly id: string;
  readonly kind: GraphNodeKind;
  readonly layer: 'terraform' | 'logical';
  readonly label: string;
}

/** A directed edge. */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: GraphEdgeKind;
  /** The attribute holding a reference (`role`, `target.arn`), or the relation in words. */
  readonly label: string;
}

/** The resource graph of a synthesized output, plus the logical layer agent → scope → credential → policy → alarm. */
export interface ResourceGraph {
  /** Sorted by id. */
  readonly nodes: readonly GraphNode[];
  /** Sorted by from, to, kind, label; no duplicates. */
  readonly edges: readonly GraphEdge[];
}

const RELATION: Record<GraphEdgeKind, string> = {
  reference: '',
  depends_on: 'depends on',
  needs: 'needs',
  held_in: 'held in',
  governed_by: 'governed by',
  revoked_on: 'revoked on',
  watched_by: 'watched by',
  calls: 'calls',
  grants: 'grants',
  injects: 'injects',
  implemented_by: 'implemented by',
};

/**
 * The resource graph: every resource and data block of every stack as a node
 * (`type.name`, `data.type.name`; variables as `var.name`), every reference in
 * any argument as an edge (`${…}` expressions and `depends_on`), and the
 * logical layer — each agent, its scopes, the credentials holding them, the
 * policies governing those, and the alarms that revoke them — linked to the
 * resources that implement it. Deterministic: sorted, de-duplicated.
 */
export function resourceGraph(output: SynthOutput): ResourceGraph {
  const views = stackViews(output);
  const multiStack = views.length > 1;
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const node = (n: GraphNode): void => {
    if (!nodes.has(n.id)) nodes.set(n.id, n);
  };
  const edge = (e: Omit<GraphEdge, 'label'> & { label?: string }): void => {
    const full = { ...e, label: e.label ?? RELATION[e.kind] };
    edges.set(JSON.stringify([full.from, full.to, full.kind, full.label]), full);
  };

  for (const view of views) {
    const id = (address: string): string => (multiStack ? `${view.name}/${address}` : address);
    for (const block of view.blocks()) node({ id: id(block.address), kind: block.kind, layer: 'terraform', label: block.address });
    for (const v of view.variables()) node({ id: id(`var.${v}`), kind: 'variable', layer: 'terraform', label: `var.${v}` });
    for (const o of view.outputs()) node({ id: id(o.address), kind: 'output', layer: 'terraform', label: o.address });
    for (const block of [...view.blocks(), ...view.outputs()]) {
      for (const ref of view.references(block)) {
        if (!nodes.has(id(ref.to))) node({ id: id(ref.to), kind: 'missing', layer: 'terraform', label: `${ref.to} (not in the stack)` });
        edge({ from: id(block.address), to: id(ref.to), kind: ref.via === 'depends_on' ? 'depends_on' : 'reference', label: ref.attribute });
      }
    }
  }

  const matrix = accessMatrix(output);
  for (const agent of matrix.agents) {
    const view = views.find((v) => v.name === agent.stack)!;
    logicalLayer(view, agent, agentKey(agent, multiStack), (address) => (multiStack ? `${view.name}/${address}` : address), node, edge);
  }

  return {
    nodes: [...nodes.values()].sort((a, b) => byCodeUnit(a.id, b.id)),
    edges: [...edges.values()].sort(
      (a, b) => byCodeUnit(a.from, b.from) || byCodeUnit(a.to, b.to) || byCodeUnit(a.kind, b.kind) || byCodeUnit(a.label, b.label),
    ),
  };
}

function logicalLayer(
  view: StackView,
  agent: AgentAccess,
  key: string,
  tf: (address: string) => string,
  node: (n: GraphNode) => void,
  edge: (e: Omit<GraphEdge, 'label'> & { label?: string }) => void,
): void {
  const resourceName = agentResourceName(agent);
  const agentId = `agent:${key}`;
  node({ id: agentId, kind: 'agent', layer: 'logical', label: `agent ${agent.name}` });

  // Credentials and the policies that govern them.
  const vaultPolicy = named(view, 'vault_policy', 'name', resourceName);
  const vaultPolicyId = `policy:${key}/vault`;
  if (vaultPolicy) {
    node({ id: vaultPolicyId, kind: 'policy', layer: 'logical', label: `Vault policy ${resourceName}` });
    edge({ from: vaultPolicyId, to: tf(vaultPolicy.address), kind: 'implemented_by' });
  }
  const vaultRole = VAULT_ROLE_TYPES.map((t) => named(view, t, 'role_name', resourceName)).find(Boolean);
  const tokenId = `credential:${key}/vault-token`;
  if (vaultRole) {
    node({ id: tokenId, kind: 'credential', layer: 'logical', label: `Vault token of ${agent.identity.vaultRole ?? resourceName}` });
    edge({ from: tokenId, to: tf(vaultRole.address), kind: 'implemented_by' });
    if (vaultPolicy) edge({ from: tokenId, to: vaultPolicyId, kind: 'governed_by' });
  }
  const iamRole = named(view, 'aws_iam_role', 'name', resourceName);
  const sessionId = `credential:${key}/aws-session`;
  const iamPolicyIds: string[] = [];
  if (iamRole) {
    node({ id: sessionId, kind: 'credential', layer: 'logical', label: `AWS session of IAM role ${resourceName}` });
    edge({ from: sessionId, to: tf(iamRole.address), kind: 'implemented_by' });
    for (const p of identityPolicies(view).filter((x) => x.roleName === resourceName)) {
      const pid = `policy:${key}/iam:${p.label}`;
      iamPolicyIds.push(pid);
      node({ id: pid, kind: 'policy', layer: 'logical', label: `IAM policy ${p.label}` });
      edge({ from: pid, to: tf(p.block.address), kind: 'implemented_by' });
      edge({ from: sessionId, to: pid, kind: 'governed_by' });
    }
  }
  // The gateway's item: what it lets the agent call, and the credentials it injects, which the agent's own policies do not reach.
  const item = gatewayItemOf(view, agent.name)?.block;
  const gatewayPolicyId = `policy:${key}/gateway`;
  if (item && agent.gateway) {
    node({ id: gatewayPolicyId, kind: 'policy', layer: 'logical', label: `gateway endpoints of ${agent.name}` });
    edge({ from: gatewayPolicyId, to: tf(item.address), kind: 'implemented_by' });
  }
  const byGateway = new Set(agent.secrets.filter((x) => x.readBy === 'gateway').map((x) => x.location));
  const kvIds = new Map<string, string>();
  for (const e of kvEntriesOf(view, agent.name)) {
    const location = `${e.mount}/${e.name}`;
    const cid = `credential:${key}/kv:${location}`;
    kvIds.set(`kv:${location}`, cid);
    node({ id: cid, kind: 'credential', layer: 'logical', label: `Vault KV ${location}` });
    edge({ from: cid, to: tf(e.block.address), kind: 'implemented_by' });
    if (byGateway.has(location) && item) edge({ from: cid, to: gatewayPolicyId, kind: 'governed_by' });
    else if (vaultPolicy) edge({ from: cid, to: vaultPolicyId, kind: 'governed_by' });
  }
  for (const s of credentialSecretsOf(view, agent.name)) {
    const cid = `credential:${key}/sm:${s.name}`;
    kvIds.set(`secretsmanager:${s.name}`, cid);
    node({ id: cid, kind: 'credential', layer: 'logical', label: `Secrets Manager ${s.name}` });
    edge({ from: cid, to: tf(s.block.address), kind: 'implemented_by' });
    if (byGateway.has(s.name) && item) edge({ from: cid, to: gatewayPolicyId, kind: 'governed_by' });
    else for (const pid of iamPolicyIds) edge({ from: cid, to: pid, kind: 'governed_by' });
  }

  // Scopes, and the credential each is held in.
  for (const scope of agent.scopes) {
    const sid = `scope:${key}/${scope.name}`;
    node({ id: sid, kind: 'scope', layer: 'logical', label: `scope ${scope.name}` });
    edge({ from: agentId, to: sid, kind: 'needs' });
    const held = scope.secrets.map((s) => kvIds.get(s)).filter((x): x is string => x !== undefined);
    if (held.length === 0 && scope.vault.length > 0 && vaultRole) held.push(tokenId);
    if (held.length === 0 && scope.iam.length > 0 && iamRole) held.push(sessionId);
    for (const cid of held) edge({ from: sid, to: cid, kind: 'held_in' });
    for (const e of scope.gateway) {
      const eid = `endpoint:${key}/${e.api} ${e.method} ${e.path}`;
      node({ id: eid, kind: 'endpoint', layer: 'logical', label: `${e.method} ${e.path} on ${e.api}` });
      edge({ from: agentId, to: eid, kind: 'calls' });
      edge({ from: sid, to: eid, kind: 'grants' });
      for (const cid of held) edge({ from: eid, to: cid, kind: 'injects' });
      if (item) edge({ from: eid, to: gatewayPolicyId, kind: 'governed_by' });
    }
  }

  // Alarms: the revoking ones empty the agent's policies when they fire (the orphan alarm only with orphanAction: revoke).
  const policyIds = [...(vaultPolicy ? [vaultPolicyId] : []), ...iamPolicyIds, ...(item && agent.gateway ? [gatewayPolicyId] : [])];
  for (const a of alarmsOf(view, agent.name)) {
    const aid = `alarm:${key}/${a.kind}`;
    node({ id: aid, kind: 'alarm', layer: 'logical', label: `alarm ${agent.name}/${a.kind}` });
    edge({ from: aid, to: tf(a.block.address), kind: 'implemented_by' });
    const revoking = deployedAlarmRevokes(a.kind, view.literal(a.block.body.alarm_description));
    for (const pid of policyIds) edge({ from: pid, to: aid, kind: revoking ? 'revoked_on' : 'watched_by' });
    if (policyIds.length === 0) edge({ from: agentId, to: aid, kind: 'watched_by' });
  }
}
