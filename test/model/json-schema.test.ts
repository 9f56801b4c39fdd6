import Ajv from 'ajv';
import { readFileSync } from 'fs';
import { join, resolve } from 'path';
import { parse } from 'yaml';
import { loadFleet } from '../../table/load-fleet';
import { JSON_SCHEMA_PATH, tableJsonSchema } from '../../table/json-schema';
import { fleetFromYaml } from '../helpers';

/**
 * The table's JSON Schema, generated from the zod schema: the committed file
 * is what the generator writes, every YAML table of the repository passes it
 * under a real JSON Schema validator (ajv, draft-07), and tables the
 * validation refuses for their shape fail it too.
 */

const ROOT = resolve(__dirname, '..', '..');
const TABLES = [
  'agents.yaml',
  'test/fixtures/fleet.yaml',
  'test/fixtures/github-agents.yaml',
  'test/fixtures/sharded.yaml',
  'test/fixtures/log-forwarding.yaml',
];

const schema = JSON.parse(readFileSync(join(ROOT, JSON_SCHEMA_PATH), 'utf8')) as Record<string, unknown>;
const check = new Ajv({ allErrors: true }).compile(schema);

test('the committed schema is the one generated from the zod schema (npm run prepack writes it)', () => {
  expect(readFileSync(join(ROOT, JSON_SCHEMA_PATH), 'utf8')).toBe(`${JSON.stringify(tableJsonSchema(), null, 2)}\n`);
  expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
});

test('agents.yaml names the schema in a yaml-language-server modeline on its first line', () => {
  expect(readFileSync(join(ROOT, 'agents.yaml'), 'utf8').split('\n')[0]).toBe(`# yaml-language-server: $schema=./${JSON_SCHEMA_PATH}`);
});

test.each(TABLES)('%s passes the schema', (table) => {
  const valid = check(parse(readFileSync(join(ROOT, table), 'utf8')));
  expect(check.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
});

const seed = (): Record<string, unknown> => parse(readFileSync(join(ROOT, 'agents.yaml'), 'utf8')) as Record<string, unknown>;
const firstAgent = (t: Record<string, unknown>): Record<string, unknown> => (t.agents as Record<string, unknown>[])[0]!;

test.each<[string, (t: Record<string, unknown>) => void, string, string]>([
  ['an unknown top-level key', (t) => (t.agentz = []), '', 'additionalProperties'],
  ['version 2', (t) => (t.version = 2), '/version', 'const'],
  ['an agent without actions', (t) => delete firstAgent(t).actions, '/agents/0', 'required'],
  ['an unknown platform', (t) => (firstAgent(t).platform = 'skynet'), '/agents/0/platform', 'enum'],
  ['an unknown key on an agent', (t) => (firstAgent(t).scopez = []), '/agents/0', 'additionalProperties'],
  ['a fleet name that is a number', (t) => (t.fleet = { name: 42 }), '/fleet/name', 'type'],
])('a table with %s fails it at the right place', (_, spoil, path, keyword) => {
  const table = seed();
  spoil(table);
  expect(check(table)).toBe(false);
  expect(check.errors?.map((e) => [e.dataPath.replace(/\['?([^'\]]+)'?\]|\.([\w-]+)/g, '/$1$2'), e.keyword])).toContainEqual([path, keyword]);
});

test('`$schema:` in a table is accepted by the validation', async () => {
  const text = readFileSync(join(ROOT, 'agents.yaml'), 'utf8').replace(/^version: 1$/m, 'version: 1\n$schema: ./schema/agents.schema.json');
  expect(text).toContain('\n$schema: ');
  const fleet = await fleetFromYaml(text);
  expect(fleet.agents.map((a) => a.name)).toEqual((await loadFleet({ table: join(ROOT, 'agents.yaml') })).agents.map((a) => a.name));
});
