import { existsSync, readdirSync, readFileSync } from 'fs';
import { isAbsolute, join, resolve } from 'path';
import { agentLimitsOf, SynthesizedAgentLimit } from '../../model';
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
  const dir = isAbsolute(out) ? out : resolve(io.cwd, out);
  const stacksDir = join(dir, 'stacks');
  if (!existsSync(stacksDir)) throw new AgentLimitsError(`${out}: no synthesized stacks here (looked for ${join(out, 'stacks')}); run \`scoped-agents synth\` first, or name the output with --out`);
  const agents: SynthesizedAgentLimit[] = [];
  for (const stack of readdirSync(stacksDir).sort()) {
    const file = join(stacksDir, stack, 'cdk.tf.json');
    if (!existsSync(file)) continue;
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new AgentLimitsError(`${join(out, 'stacks', stack, 'cdk.tf.json')}: not JSON (${(e as Error).message}); synthesize again`);
    }
    agents.push(...agentLimitsOf(json as Parameters<typeof agentLimitsOf>[0]));
  }
  if (agents.length === 0) throw new AgentLimitsError(`${out}: no agent call-rate alarms in the synthesized stacks; is this the output of \`scoped-agents synth\`?`);
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
