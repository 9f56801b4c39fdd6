import { shardsOf } from '../../model/shards';
import { loadFleet } from '../../table/load-fleet';
import { ParsedArgs } from '../private/args';
import { CommandIO } from '../private/io';
import { printWarnings } from '../private/report-problems';
import { tableFiles } from '../private/table-args';

/** `scoped-agents validate`: checks a table and says what it would become. */
export async function validate(args: ParsedArgs, io: CommandIO): Promise<number> {
  const files = tableFiles(args, io);
  const fleet = await loadFleet(files);
  printWarnings(fleet.warnings, io);
  const scopes = new Set(fleet.agents.flatMap((a) => a.scopes.map((s) => s.name)));
  io.out(`${fleet.files.join(' + ')}: valid — ${fleet.agents.length} agents, ${scopes.size} scopes in use\n`);
  // Sharded: which stack (and state) each agent is in, for the CI matrix or Atlantis project it plans in.
  const shards = shardsOf(fleet);
  const stackOf = new Map(shards.flatMap((s) => s.agents.map((a) => [a.name, s.stack] as const)));
  if (fleet.settings.shards) {
    const largest = Math.max(0, ...shards.map((s) => s.agents.length));
    io.out(
      `  shards: ${fleet.settings.shards.by === 'name' ? `by name into ${fleet.settings.shards.count}` : 'by owner'}; ${shards.length} with agents, the largest ${largest} of at most ${fleet.settings.shards.maxAgents}\n`,
    );
  }
  for (const agent of fleet.agents) {
    const shard = stackOf.get(agent.name);
    io.out(`  ${agent.name} (${agent.platform}, ${agent.owner}): ${agent.scopes.map((s) => s.name).join(', ')}${shard ? ` → ${shard}` : ''}\n`);
  }
  return 0;
}
