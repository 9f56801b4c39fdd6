import { BUILTIN_DEFAULTS, FleetSettings } from '../../model/fleet';
import { Problem } from '../../model/problem';
import { DefaultsInput, DefaultsSchema, FleetSettingsSchema } from '../schema';
import { TableSource } from '../table-source';
import { inherit, ResolvedSettings } from './inherit';
import { asRecord, located } from './located';
import { resolveFleetSettings } from './resolve-fleet';
import { parseWithProblems } from './zod-problems';

/** `fleet:`: its shape, then its settings with the built-in ones applied. */
export function checkFleetSettings(source: TableSource): { settings: FleetSettings; gateway?: boolean; problems: Problem[] } {
  const input = parseWithProblems(FleetSettingsSchema, asRecord(source.data).fleet ?? {}, ['fleet'], source);
  const resolved = resolveFleetSettings(input.data ?? {});
  return { settings: resolved.settings, gateway: input.data?.gateway, problems: [...input.problems, ...resolved.problems.map((p) => located(source, p))] };
}

/** `defaults:`: its shape, then every agent's starting point (the built-in defaults under it). */
export function checkDefaults(source: TableSource): { defaults: ResolvedSettings; written: DefaultsInput; problems: Problem[] } {
  const input = parseWithProblems(DefaultsSchema, asRecord(source.data).defaults ?? {}, ['defaults'], source);
  const inherited = inherit(input.data ?? {}, { ...BUILTIN_DEFAULTS, boundCidrs: [] }, ['defaults']);
  return { defaults: inherited.settings, written: input.data ?? {}, problems: [...input.problems, ...inherited.problems.map((p) => located(source, p))] };
}
