import { agentOfName } from '../../private/agent-resources';
import { ReadVaultPolicy, readVaultPolicy } from '../../private/vault-documents';
import { SynthOutput } from '../../synth-output';
import { StackView, stackViews, TerraformBlock } from '../../terraform';

/** Every agent Vault policy (`vault_policy` named `agent-<name>`) of an output, read. */
export function* agentVaultPolicies(output: SynthOutput): Generator<{ view: StackView; block: TerraformBlock; agent: string; policy: ReadVaultPolicy }> {
  for (const view of stackViews(output)) {
    for (const block of view.resources('vault_policy')) {
      const agent = agentOfName(view.nameOf(block));
      if (agent) yield { view, block, agent, policy: readVaultPolicy(block.body.policy) };
    }
  }
}
