import { findingsFor } from './private/findings';
import { agentVaultPolicies } from './private/agent-scan';
import { Finding, Rule } from './rule';

const ID = 'no-vault-sudo-or-sys';

/** Whether a Vault path pattern can reach `sys/`: the path itself, or a glob whose fixed prefix `sys/` starts with. */
function reachesSys(path: string): boolean {
  if (path === 'sys' || path.startsWith('sys/')) return true;
  const glob = path.search(/[*+]/);
  return glob !== -1 && 'sys/'.startsWith(path.slice(0, glob));
}

/** No agent's Vault policy grants `sudo` or reaches `sys/`. */
export const noVaultSudoOrSys: Rule = {
  id: ID,
  name: 'No Vault sudo or sys/ grant for agents',
  compliant: 'No agent Vault policy (`agent-<name>`) grants the `sudo` capability or any path under `sys/`, directly or through a glob.',
  explanation:
    '`sudo` opens root-protected endpoints and `sys/` administers Vault itself (policies, mounts, audit devices): an agent holding either ' +
    "could rewrite its own policy or turn off the audit trail. The fleet's revoke function needs `sys/policies/acl/agent-*` to empty " +
    'agent policies, so the rule reads agent policies only. A policy whose path blocks cannot be read is a finding: the check fails closed.',
  controls: { soc2: ['CC6.1', 'CC6.3'], iso27001: ['A.8.2', 'A.5.15'], nist80053: ['AC-6(1)', 'AC-6(5)', 'AC-6(10)'] },
  evaluate(output) {
    const out: Finding[] = [];
    for (const { view, block, agent, policy } of agentVaultPolicies(output)) {
      const f = findingsFor(ID, view);
      if (policy.unreadable > 0) {
        out.push(
          f.at(block, {
            agent,
            message: `${view.label(block)} has ${policy.unreadable} path block(s) the check cannot read`,
            fix: 'write each block as path "…" { capabilities = [...] }, as renderVaultPolicy does',
          }),
        );
      }
      for (const rule of policy.rules) {
        if (rule.capabilities.includes('sudo')) {
          out.push(
            f.at(block, {
              agent,
              grant: `sudo on ${rule.path}`,
              message: `${view.label(block)} grants sudo on ${rule.path}`,
              fix: 'remove sudo: agents never need root-protected endpoints',
            }),
          );
        }
        if (reachesSys(rule.path) && !(rule.capabilities.length === 1 && rule.capabilities[0] === 'deny')) {
          out.push(
            f.at(block, {
              agent,
              grant: `${rule.capabilities.join(', ')} on ${rule.path}`,
              message: `${view.label(block)} reaches sys/ through ${rule.path}`,
              fix: 'remove the path: agents never administer Vault',
            }),
          );
        }
      }
    }
    return out;
  },
};
