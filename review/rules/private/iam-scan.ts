import { agentOfName } from '../../private/agent-resources';
import { IdentityPolicy, identityPolicies, NormalizedStatement } from '../../private/iam-documents';
import { SynthOutput } from '../../synth-output';
import { StackView, stackViews } from '../../terraform';

/** Every IAM identity policy of an output with the agent it belongs to (by its role or its own `agent-` name). */
export function* policiesIn(output: SynthOutput): Generator<{ view: StackView; policy: IdentityPolicy; agent?: string }> {
  for (const view of stackViews(output)) {
    for (const policy of identityPolicies(view)) {
      const name = view.nameOf(policy.block);
      yield { view, policy, agent: agentOfName(policy.roleName) ?? agentOfName(name) };
    }
  }
}

/** The Allow statements of a policy. */
export function allows(policy: IdentityPolicy): NormalizedStatement[] {
  return policy.document.statements.filter((s) => s.effect === 'Allow');
}
