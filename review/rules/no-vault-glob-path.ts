import { findingsFor } from './private/findings';
import { agentVaultPolicies } from './private/agent-scan';
import { Finding, Rule } from './rule';

const ID = 'no-vault-glob-path';

/** No agent's Vault policy grants a glob path. */
export const noVaultGlobPath: Rule = {
  id: ID,
  name: 'No glob path in agent Vault policies',
  compliant: 'Every path of an agent Vault policy is exact: no `*` (prefix glob) and no `+` (segment glob).',
  explanation:
    "A glob grants every path that matches it, including entries created later and other agents' entries under the same prefix. " +
    'Each agent reads its own entries by exact path; the table validation refuses globs in vault: scopes, and this rule proves the output carries none.',
  controls: { soc2: ['CC6.1', 'CC6.3'], iso27001: ['A.5.15', 'A.8.3'], nist80053: ['AC-3', 'AC-6'] },
  evaluate(output) {
    const out: Finding[] = [];
    for (const { view, block, agent, policy } of agentVaultPolicies(output)) {
      const f = findingsFor(ID, view);
      for (const rule of policy.rules.filter((r) => /[*+]/.test(r.path))) {
        out.push(
          f.at(block, {
            agent,
            grant: `${rule.capabilities.join(', ')} on ${rule.path}`,
            message: `${view.label(block)} grants the glob path ${rule.path}`,
            fix: 'name the exact path the agent needs',
          }),
        );
      }
    }
    return out;
  },
};
