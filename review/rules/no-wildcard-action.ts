import { findingsFor } from './private/findings';
import { allows, policiesIn } from './private/iam-scan';
import { Finding, Rule } from './rule';

const ID = 'no-wildcard-action';

/** No IAM identity policy allows a wildcard action. */
export const noWildcardAction: Rule = {
  id: ID,
  name: 'No wildcard IAM action',
  compliant: 'Every Allow statement of every IAM identity policy names each action exactly: no `*` or `?` in an action, no NotAction.',
  explanation:
    'A wildcard action (`s3:*`, `*`) or a NotAction grants every action a service has, including the ones AWS adds later, ' +
    "so nobody can say what the role may do. Agents and the fleet's own functions alike name each action they need; " +
    'the table validation refuses wildcards, and this rule proves the synthesized policies (what deploys) carry none.',
  controls: { soc2: ['CC6.1', 'CC6.3'], iso27001: ['A.5.15', 'A.5.18', 'A.8.2'], nist80053: ['AC-3', 'AC-6'] },
  evaluate(output) {
    const out: Finding[] = [];
    for (const { view, policy, agent } of policiesIn(output)) {
      const f = findingsFor(ID, view);
      if (policy.document.unreadable) {
        out.push(
          f.at(policy.block, {
            agent,
            message: `${policy.label}: ${policy.document.unreadable}, so its actions cannot be checked`,
            fix: 'write the policy as a JSON document or an aws_iam_policy_document',
          }),
        );
        continue;
      }
      for (const st of allows(policy)) {
        for (const action of st.actions.filter((a) => /[*?]/.test(a))) {
          out.push(
            f.at(policy.block, {
              agent,
              grant: action,
              message: `${policy.label}${st.sid ? ` (${st.sid})` : ''} allows the wildcard action ${action}`,
              fix: 'name each action the role needs, e.g. s3:GetObject',
            }),
          );
        }
        if (st.notActions.length > 0) {
          const grant = `NotAction ${st.notActions.join(', ')}`;
          out.push(
            f.at(policy.block, {
              agent,
              grant,
              message: `${policy.label}${st.sid ? ` (${st.sid})` : ''} allows every action except ${st.notActions.join(', ')}`,
              fix: 'replace NotAction with the list of actions the role needs',
            }),
          );
        }
      }
    }
    return out;
  },
};
