import { isAbsolute, resolve } from 'path';
import { readStacks } from '../../review/read-output';
import { OutputError, StackOutput } from '../../review/synth-output';
import { agentLimitsOf, SynthesizedAgentLimit } from '../../review/synthesized-limits';
import { CommandIO } from './io';

/** Raised when the synthesized output cannot tell which agents exist; the CLI prints it and exits 1. */
export class AgentLimitsError extends Error {}

/**
 * The agents and call-rate limits of every stack under a synthesized output
 * directory (`<out>/stacks/<stack>/cdk.tf.json`), read back from their
 * call-rate alarms.
 *
 * @param out as the user wrote it (relative to the working directory)
 * @throws AgentLimitsError naming the directory or file and the fix
 */
export function readAgentLimits(out: string, io: CommandIO): { fleets: string[]; agents: SynthesizedAgentLimit[] } {
  let stacks: StackOutput[];
  try {
    stacks = readStacks(isAbsolute(out) ? out : resolve(io.cwd, out), out);
  } catch (e) {
    if (e instanceof OutputError) throw new AgentLimitsError(e.message);
    throw e;
  }
  const agents = stacks.flatMap((s) => agentLimitsOf(s.json));
  if (agents.length === 0)
    throw new AgentLimitsError(`${out}: no agent call-rate alarms in the synthesized stacks; is this the output of \`scoped-agents synth\`?`);
  const names = new Map<string, string>();
  for (const a of agents) {
    const other = names.get(a.name);
    if (other !== undefined && other !== a.fleet) {
      // Both would log in as the same AppRole role name; an audit log cannot tell them apart.
      throw new AgentLimitsError(`${out}: agent ${a.name} is in fleets ${other} and ${a.fleet}; run usage over one fleet's output at a time`);
    }
    names.set(a.name, a.fleet);
  }
  return { fleets: [...new Set(agents.map((a) => a.fleet))].sort(), agents };
}
