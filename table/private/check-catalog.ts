import { Credential, FleetSettings, Scope } from '../../model/fleet';
import { Problem } from '../../model/problem';
import { ApiDefinition } from '../../model/apis';
import { ApiSchema, CredentialSchema, ScopeSchema } from '../schema';
import { TableSource } from '../table-source';
import { asRecord, located } from './located';
import { credentialContext, defaultCredential, resolveCredential } from './resolve-credential';
import { resolveApi } from './resolve-apis';
import { ApiCatalog, resolveScope } from './resolve-scope';
import { BUILTIN_APIS } from '../../model/apis';
import { parseWithProblems } from './zod-problems';

/** The scope catalog (`scopes:`), each scope resolved to its concrete grant. */
export interface CheckedCatalog {
  readonly scopes: ReadonlyMap<string, Scope>;
  /** Scopes that are in the catalog but have problems of their own: an agent naming one is not told they are unknown. */
  readonly broken: ReadonlySet<string>;
  readonly problems: Problem[];
}

/**
 * `apis:` and the built-in APIs: every API an `http:` grant may name. A
 * built-in one the table does not amend is known as shipped, but for one
 * whose base URL is the customer's own (Zendesk), which only its use reports.
 */
export function checkApis(source: TableSource): { apis: ApiCatalog; problems: Problem[] } {
  const known = new Map<string, ApiDefinition>();
  const broken = new Set<string>();
  const problems: Problem[] = [];
  const written = asRecord(asRecord(source.data).apis);
  for (const name of Object.keys(BUILTIN_APIS)) {
    if (name in written) continue;
    const resolved = resolveApi(name, undefined, ['apis', name]);
    if (resolved.api) known.set(name, resolved.api);
  }
  for (const [name, value] of Object.entries(written)) {
    const parsed = parseWithProblems(ApiSchema, value, ['apis', name], source);
    problems.push(...parsed.problems);
    const resolved = parsed.data ? resolveApi(name, parsed.data, ['apis', name]) : { problems: [] };
    problems.push(...resolved.problems.map((p) => located(source, p)));
    if (resolved.api) known.set(name, resolved.api);
    else broken.add(name);
  }
  return { apis: { known, broken }, problems };
}

/** `scopes:`: every scope, each on its own, so a broken one hides no other's problems. */
export async function checkScopes(source: TableSource, settings: FleetSettings, apis?: ApiCatalog): Promise<CheckedCatalog> {
  const scopes = new Map<string, Scope>();
  const broken = new Set<string>();
  const problems: Problem[] = [];
  await Promise.all(
    Object.entries(asRecord(asRecord(source.data).scopes)).map(async ([name, value]) => {
      const parsed = parseWithProblems(ScopeSchema, value, ['scopes', name], source);
      problems.push(...parsed.problems);
      if (!parsed.data) {
        broken.add(name);
        return;
      }
      const resolved = await resolveScope(name, parsed.data, settings, ['scopes', name], apis);
      problems.push(...resolved.problems.map((p) => located(source, p)));
      if (resolved.scope) scopes.set(name, resolved.scope);
      else broken.add(name);
    }),
  );
  return { scopes, broken, problems };
}

/**
 * `credentials:`: how each `secret:` of the catalog is stored and rotated. A
 * credential no scope names is a warning; a `secret:` without an entry is
 * kept in Vault and rotated by hand.
 */
export function checkCredentials(
  source: TableSource,
  scopes: ReadonlyMap<string, Scope>,
  apis: ReadonlyMap<string, ApiDefinition> = new Map(),
): { credentials: Record<string, Credential>; problems: Problem[]; warnings: Problem[] } {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const secretNames = new Set([...scopes.values()].flatMap((s) => (s.kind === 'secret' ? [s.secret] : [])));
  const called = (secret: string): string[] => [...scopes.values()].flatMap((s) => (s.kind === 'secret' && s.secret === secret && s.http ? [s.http.api] : []));
  const context = (secret: string) => credentialContext(secret, called(secret), apis);
  const credentials: Record<string, Credential> = {};
  for (const name of [...secretNames].sort()) credentials[name] = defaultCredential(name, context(name));
  for (const [name, value] of Object.entries(asRecord(asRecord(source.data).credentials))) {
    const parsed = parseWithProblems(CredentialSchema, value, ['credentials', name], source);
    problems.push(...parsed.problems);
    if (!parsed.data) continue;
    const resolved = resolveCredential(name, parsed.data, secretNames.has(name), context(name));
    problems.push(...resolved.problems.map((p) => located(source, p)));
    if (resolved.unused) {
      warnings.push({
        rule: 'unused-setting',
        ...source.locate(['credentials', name], true),
        value: name,
        message: 'no secret: scope names this credential',
        fix: 'remove it, or name it in a scope as secret: ' + name,
      });
    } else {
      credentials[name] = resolved.credential;
    }
  }
  return { credentials, problems, warnings };
}
