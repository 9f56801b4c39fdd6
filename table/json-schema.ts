import { z } from 'zod';
import { ActionSchema, AgentSchema, ApiSchema, CredentialSchema, DefaultsSchema, FleetSettingsSchema, ScopeSchema, TableSchema } from './schema';

/** Where the package ships the table's JSON Schema, relative to its root. */
export const JSON_SCHEMA_PATH = 'schema/agents.schema.json';

/**
 * The agent table's JSON Schema (draft-07), generated from the zod schema the
 * validation uses, every section with its own shape: what an editor can
 * complete and check as you type. It checks the shape only; the rules that
 * need the whole table (unknown scopes, ceilings, IAM action names…) are
 * `scoped-agents validate`'s.
 */
export function tableJsonSchema(): Record<string, unknown> {
  const document = TableSchema.extend({
    fleet: FleetSettingsSchema.optional(),
    defaults: DefaultsSchema.optional(),
    scopes: z.record(z.string(), ScopeSchema).optional(),
    credentials: z.record(z.string(), CredentialSchema).optional(),
    apis: z.record(z.string(), ApiSchema).optional(),
    agents: z.array(AgentSchema.extend({ actions: z.array(ActionSchema).min(1) })).optional(),
  });
  const generated = z.toJSONSchema(document, { target: 'draft-7', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://github.com/scoped-agents/scoped-agents/schema/agents.schema.json',
    title: 'scoped-agents agent table',
    description: 'One row per AI agent: what it must do and the scopes that takes. See docs/table.md.',
    ...Object.fromEntries(Object.entries(generated).filter(([k]) => k !== '$schema')),
  };
}
