import { agentResourceName } from '../../model/fleet';
import { agentNames, agentOfName, kvEntriesOf, named, strings, VAULT_ROLE_TYPES } from '../private/agent-resources';
import { identityPolicies } from '../private/iam-documents';
import { readVaultPolicy } from '../private/vault-documents';
import { stackViews } from '../terraform';
import { findingsFor } from './private/findings';
import { Finding, Rule } from './rule';

const ID = 'one-credential-set-per-agent';

/** The agent whose credential a Vault path reaches: its KV entries, its brokered AWS sessions, its AppRole role. */
function vaultPathOwner(path: string): string | undefined {
  const kv = /(?:^|\/)(?:data|metadata|delete|undelete|destroy)\/agents\/([a-z0-9-]+)(?:\/|$)/.exec(path);
  if (kv) return kv[1];
  return /(?:\/(?:creds|sts)|^auth\/[^/]+\/role)\/agent-([a-z0-9-]+)(?:\/|$)/.exec(path)?.[1];
}

/** The agent whose credential a Secrets Manager name or an IAM/Secrets Manager ARN names. */
function awsOwner(text: string): string | undefined {
  if (/:iam::/.test(text)) return /:role\/agent-([a-z0-9-]+)$/.exec(text)?.[1];
  if (/^arn:/.test(text) && !/:secretsmanager:/.test(text)) return undefined;
  return /(?:^|[/:])agents\/([a-z0-9-]+)\//.exec(text)?.[1];
}

/** Every agent has its own credential set, shared with no other agent. */
export const oneCredentialSetPerAgent: Rule = {
  id: ID,
  name: 'One credential set per agent',
  compliant:
    "Each agent's Vault role carries only the agent's own policy (and not Vault's shared `default`), no policy, role, KV entry or secret " +
    "is attached to or granted to two agents, and no agent is granted another agent's credential.",
  explanation:
    'One credential per agent is what makes revocation and audit precise: an alarm cuts one agent off, and every logged call names one agent. ' +
    "A policy attached to two roles, a token that also carries another policy, or a grant on another agent's KV entry, " +
    'Secrets Manager secret or IAM role lets one compromised agent act as another. Read from the roles, policies and references as synthesized.',
  controls: { soc2: ['CC6.2', 'CC6.3'], iso27001: ['A.5.16', 'A.5.17', 'A.5.18'], nist80053: ['AC-2', 'IA-2', 'IA-4', 'IA-5'] },
  evaluate(output) {
    const out: Finding[] = [];
    for (const view of stackViews(output)) {
      const f = findingsFor(ID, view);
      const agents = new Set(agentNames(view));
      const attachedTo = new Map<string, string[]>();

      for (const type of VAULT_ROLE_TYPES) {
        for (const role of view.resources(type)) {
          const roleName = view.literal(role.body.role_name) ?? role.address;
          const agent = agentOfName(roleName);
          const policies = [...strings(role.body.token_policies), ...strings(role.body.policies)].map((p) => view.literal(p) ?? view.stable(p));
          for (const p of policies) attachedTo.set(p, [...(attachedTo.get(p) ?? []), roleName]);
          if (!agent) continue;
          for (const p of policies.filter((x) => x !== agentResourceName({ name: agent }))) {
            const owner = agentOfName(p);
            out.push(
              f.at(role, {
                agent,
                grant: p,
                message: `tokens of ${roleName} also carry ${owner ? `agent ${owner}'s policy` : 'the policy'} ${p}`,
                fix: `carry only ${agentResourceName({ name: agent })}`,
              }),
            );
          }
          if (role.body.token_no_default_policy !== true) {
            out.push(
              f.at(role, {
                agent,
                grant: 'default',
                message: `tokens of ${roleName} also carry Vault's default policy, which every token shares`,
                fix: 'set token_no_default_policy = true',
              }),
            );
          }
        }
      }
      for (const [policy, roles] of attachedTo) {
        const owner = agentOfName(policy);
        if (roles.length < 2 || !owner) continue;
        const block = named(view, 'vault_policy', 'name', policy);
        const finding = {
          grant: policy,
          message: `policy ${policy} is attached to ${roles.length} roles: ${roles.sort().join(', ')}`,
          fix: 'give each agent its own policy and role',
        };
        out.push(block ? f.at(block, { agent: owner, ...finding }) : f.missing(owner, finding));
      }

      for (const block of view.resources('vault_policy')) {
        const agent = agentOfName(view.nameOf(block));
        if (!agent) continue;
        for (const rule of readVaultPolicy(block.body.policy).rules) {
          const owner = vaultPathOwner(rule.path);
          if (owner && owner !== agent)
            out.push(
              f.at(block, {
                agent,
                grant: `${rule.capabilities.join(', ')} on ${rule.path}`,
                message: `agent ${agent}'s policy reaches ${agents.has(owner) ? `agent ${owner}'s` : 'another'} credential at ${rule.path}`,
                fix: 'grant each agent only its own entries',
              }),
            );
        }
      }
      for (const agent of agents) {
        for (const e of kvEntriesOf(view, agent)) {
          const owner = e.metadata.agent;
          const pathOwner = /(?:^|\/)agents\/([a-z0-9-]+)\//.exec(e.name)?.[1];
          if (owner && pathOwner && owner !== pathOwner)
            out.push(
              f.at(e.block, {
                agent,
                grant: e.name,
                message: `KV entry ${e.name} is labelled as agent ${owner}'s`,
                fix: 'keep one entry per agent, under agents/<agent>/, labelled with that agent',
              }),
            );
        }
      }

      for (const policy of identityPolicies(view)) {
        const agent = agentOfName(policy.roleName) ?? agentOfName(view.nameOf(policy.block));
        if (!agent) continue;
        const ownName = agentOfName(view.nameOf(policy.block));
        const roleAgent = agentOfName(policy.roleName);
        if (ownName && roleAgent && ownName !== roleAgent) {
          out.push(
            f.at(policy.block, {
              agent: roleAgent,
              grant: policy.label,
              message: `agent ${ownName}'s policy is attached to agent ${roleAgent}'s role`,
              fix: 'attach each agent policy to its own role',
            }),
          );
        }
        for (const st of policy.document.statements.filter((s) => s.effect === 'Allow')) {
          for (const resource of st.resources) {
            const target = view.target(resource);
            const owner = target
              ? target.type === 'aws_iam_role'
                ? agentOfName(view.nameOf(target))
                : target.type === 'aws_secretsmanager_secret'
                  ? awsOwner(view.nameOf(target) ?? '')
                  : undefined
              : awsOwner(resource);
            if (owner && owner !== agent)
              out.push(
                f.at(policy.block, {
                  agent,
                  grant: `${st.actions.join(', ')} on ${view.stable(resource)}`,
                  message: `agent ${agent}'s IAM policy reaches agent ${owner}'s credential ${view.stable(resource)}`,
                  fix: 'grant each agent only its own secrets and role',
                }),
              );
          }
        }
      }

      const brokeredBy = new Map<string, string[]>();
      for (const broker of view.resources('vault_aws_secret_backend_role')) {
        const name = view.literal(broker.body.name) ?? broker.address;
        const agent = agentOfName(name);
        for (const arn of strings(broker.body.role_arns)) {
          const target = view.target(arn);
          const roleName = target ? view.nameOf(target) : /:role\/(.+)$/.exec(arn)?.[1];
          if (!roleName) continue;
          brokeredBy.set(roleName, [...(brokeredBy.get(roleName) ?? []), name]);
          const owner = agentOfName(roleName);
          if (agent && owner && owner !== agent)
            out.push(
              f.at(broker, {
                agent,
                grant: roleName,
                message: `Vault AWS role ${name} issues sessions of agent ${owner}'s IAM role ${roleName}`,
                fix: "let each Vault AWS role assume only its own agent's IAM role",
              }),
            );
        }
      }
      for (const [roleName, brokers] of brokeredBy) {
        const owner = agentOfName(roleName);
        if (brokers.length < 2 || !owner) continue;
        const role = named(view, 'aws_iam_role', 'name', roleName);
        const finding = {
          grant: roleName,
          message: `IAM role ${roleName} is brokered by ${brokers.length} Vault AWS roles: ${brokers.sort().join(', ')}`,
          fix: 'broker each agent role through one Vault AWS role',
        };
        out.push(role ? f.at(role, { agent: owner, ...finding }) : f.missing(owner, finding));
      }
    }
    return out;
  },
};
