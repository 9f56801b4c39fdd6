import { z } from 'zod';
import { Problem } from '../../model/problem';
import { DocPath, TableSource } from '../table-source';

/** What to write instead, by the key that holds the bad value. */
const FIXES: Record<string, string> = {
  version: 'write version: 1',
  name: 'give the agent a name such as lead-enricher',
  owner: 'write the owning team, e.g. owner: growth@acme.example',
  platform: 'use one of claude, openai, zapier, github-actions, generic',
  credentialTtl: 'write a duration such as "15m"',
  credentialMaxTtl: 'write a duration such as "1h"',
  secretIdTtl: 'write a duration such as "25h"',
  rotation: 'write an EventBridge schedule such as "cron(0 3 * * ? *)"',
  boundCidrs: 'write a list of CIDRs such as ["10.0.0.0/16"]',
  actions: 'list the actions, e.g. - { action: Read contact info, scopes: [crm.contacts.read] }',
  scopes: 'list scope names from the scopes: catalog',
  capabilities: 'list Vault capabilities such as [read]',
  resources: 'list resource ARNs such as ["arn:aws:s3:::acme-invoices"]',
};

/** The object schema found by following `path` through `schema`, if any. */
function schemaAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let current: unknown = schema;
  for (const segment of path) {
    while (current instanceof z.ZodOptional) current = current.unwrap();
    if (current instanceof z.ZodObject) current = (current.shape as Record<string, z.ZodType>)[String(segment)];
    else if (current instanceof z.ZodArray) current = current.element;
    else if (current instanceof z.ZodRecord) current = current.valueType;
    else return undefined;
  }
  while (current instanceof z.ZodOptional) current = current.unwrap();
  return current as z.ZodType | undefined;
}

/**
 * Parses `value` with `schema` and turns every zod issue into a problem located
 * in the source. `base` is where `value` sits in the document.
 */
export function parseWithProblems<S extends z.ZodType>(
  schema: S,
  value: unknown,
  base: DocPath,
  source: TableSource,
  agent?: string,
): { data?: z.infer<S>; problems: Problem[] } {
  const result = schema.safeParse(value);
  if (result.success) return { data: result.data, problems: [] };
  const problems: Problem[] = [];
  const valueAt = (path: readonly PropertyKey[]): unknown =>
    path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);
  for (const issue of result.error.issues) {
    const path = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      const known = schemaAt(schema, issue.path);
      const keys = known instanceof z.ZodObject ? Object.keys(known.shape).sort() : [];
      for (const key of issue.keys) {
        problems.push({
          rule: 'unknown-key',
          ...source.locate([...path, key], true),
          agent,
          value: key,
          message: 'unknown key',
          fix: keys.length > 0 ? `remove it, or use one of: ${keys.join(', ')}` : 'remove it',
        });
      }
      continue;
    }
    const last = [...path].reverse().find((s): s is string => typeof s === 'string') ?? '';
    const input = valueAt(issue.path);
    const missing = input === undefined;
    problems.push({
      rule: missing ? 'missing-key' : 'invalid-value',
      ...source.locate(path),
      agent,
      value: missing || typeof input === 'object' ? undefined : String(input),
      message: missing ? `${last} is required` : `${last}: ${issue.message}`,
      fix: FIXES[last] ?? `correct ${last}`,
    });
  }
  return { data: withoutBadParts(schema, value, result.error.issues), problems };
}

/**
 * Parses `value` again with every part an issue points at removed, so that the
 * rest of an item (an agent with one bad key) is still checked by later rules.
 * Returns nothing when a required part was among them.
 */
function withoutBadParts<S extends z.ZodType>(schema: S, value: unknown, issues: readonly z.core.$ZodIssue[]): z.infer<S> | undefined {
  const copy: unknown = structuredClone(value);
  for (const issue of issues) {
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of paths) {
      if (path.length === 0) return undefined;
      const parent = path
        .slice(0, -1)
        .reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), copy);
      if (parent === null || typeof parent !== 'object') return undefined;
      const key = path[path.length - 1];
      if (Array.isArray(parent) && typeof key === 'number') parent[key] = undefined;
      else delete (parent as Record<PropertyKey, unknown>)[key];
    }
  }
  const again = schema.safeParse(copy);
  return again.success ? again.data : undefined;
}
