import { FleetSettings, LIMITS, Scope } from '../../model/fleet';
import { SAFE_NAME } from '../../model/names';
import { ScopeInput } from '../schema';
import { DocPath } from '../table-source';
import { arnShapeProblem, arnWildcardProblem } from '../../model/arn';
import { VAULT_CAPABILITIES, vaultPathProblem } from './checks';
import { canonicalIamAction } from './iam-actions';
import { SettingProblem } from './inherit';
import { fleetResourceProblem } from '../../model/resource-names';
import { ApiDefinition, BUILTIN_APIS } from '../../model/apis';
import { endpointText, HttpEndpoint, parseEndpoint, patternCovers } from '../../model/http-grants';
import { isProvider, KEY_MANAGEMENT_REASON_LENGTH, keyManagementReached, PROVIDER_FACTS } from '../../model/providers';
import { closest } from '../../model/names';
import { resolveApi } from './resolve-apis';

/** The APIs a table knows (built in or its own), and those whose definition is broken (no "unknown API" for them). */
export interface ApiCatalog {
  readonly known: ReadonlyMap<string, ApiDefinition>;
  readonly broken: ReadonlySet<string>;
}

/** Scope names as written in the catalog: `crm.contacts.read`, `storage.objects.create`. */
const SCOPE_NAME = /^[a-z][a-z0-9]*([._-][a-z0-9]+)*$/;

const sortedUnique = (values: readonly string[]): string[] => [...new Set(values)].sort();

/**
 * Checks one catalog entry and resolves it to the grant it stands for.
 *
 * @returns the scope, or `undefined` with the problems that stop it
 */
export async function resolveScope(
  name: string,
  input: ScopeInput,
  settings: FleetSettings,
  at: DocPath,
  apis: ApiCatalog = { known: new Map(), broken: new Set() },
): Promise<{ scope?: Scope; problems: SettingProblem[] }> {
  const problems: SettingProblem[] = [];
  if (!SCOPE_NAME.test(name) || name.length > 128) {
    problems.push({
      rule: 'unsafe-name',
      path: at,
      key: true,
      value: name,
      message: 'scope name is not lowercase words joined by . _ or -',
      fix: 'name scopes like crm.contacts.read',
    });
  }
  // A secret and the http: endpoints called with it are one grant; anything else is one kind a scope.
  const kinds = (['secret', 'aws', 'vault'] as const).filter((k) => input[k] !== undefined || (k === 'secret' && input.http !== undefined));
  if (kinds.length !== 1) {
    const written = (['secret', 'http', 'aws', 'vault'] as const).filter((k) => input[k] !== undefined);
    problems.push({
      rule: 'scope-kind',
      path: at,
      value: name,
      message: kinds.length === 0 ? 'scope grants nothing' : `scope mixes ${written.join(' and ')}`,
      fix: 'give the scope exactly one of secret: NAME, aws: { actions, resources }, vault: { path, capabilities } (a secret may come with its http: endpoints); split it into several scopes if it needs more',
    });
    return { problems };
  }
  const base = { name, description: input.description };

  if (input.http !== undefined) {
    const http = input.http;
    const api = apis.known.get(http.api);
    if (!api && BUILTIN_APIS[http.api]) {
      // Built in, but its base URL is the customer's own account (Zendesk): the table must give it.
      for (const p of resolveApi(http.api, undefined, ['apis', http.api]).problems) problems.push({ ...p, path: [...at, 'http', 'api'], value: http.api });
    } else if (!api) {
      if (!apis.broken.has(http.api)) {
        const near = closest(http.api, [...new Set([...apis.known.keys(), ...Object.keys(BUILTIN_APIS)])]);
        problems.push({
          rule: 'unknown-api',
          path: [...at, 'http', 'api'],
          value: http.api,
          message: 'API is neither built in nor defined under apis:',
          fix:
            near.length > 0
              ? `did you mean ${near.join(' or ')}? Otherwise define it under apis: with its baseUrl and auth`
              : 'define it under apis: with its baseUrl and auth',
        });
      }
    }
    const endpoints: HttpEndpoint[] = [];
    http.allow.forEach((text, i) => {
      const parsed = parseEndpoint(http.api, text);
      if (parsed.problem) {
        problems.push({
          rule: 'invalid-endpoint',
          path: [...at, 'http', 'allow', i],
          value: text,
          message: `endpoint ${parsed.problem}`,
          fix: 'write METHOD /path with the path the API documents, e.g. GET /crm/v3/objects/contacts/* (* one segment, a final ** the rest)',
        });
      } else endpoints.push(parsed.endpoint!);
    });
    const secret = input.secret ?? api?.credential;
    if (api && input.secret !== undefined && input.secret !== api.credential) {
      problems.push({
        rule: 'invalid-value',
        path: [...at, 'secret'],
        value: input.secret,
        message: `the gateway calls ${http.api} with the credential ${api.credential}, not ${input.secret}`,
        fix: `write secret: ${api.credential}, or leave secret: out (the API names its credential); or set apis: { ${http.api}: { credential: ${input.secret} } }`,
      });
    }
    // Managing keys is the rotate and revoke functions' job, with the management credential: not an agent's, unless the table says why.
    const provider = isProvider(http.api) ? http.api : undefined;
    if (provider && (input.keyManagement ?? '').trim().length < KEY_MANAGEMENT_REASON_LENGTH) {
      http.allow.forEach((text, i) => {
        const endpoint = parseEndpoint(http.api, text).endpoint;
        const reached = endpoint ? keyManagementReached(provider, endpoint, patternCovers) : [];
        if (reached.length === 0) return;
        problems.push({
          rule: 'key-management-scope',
          path: [...at, 'http', 'allow', i],
          value: text,
          message: `endpoint reaches ${PROVIDER_FACTS[provider].title}'s key management (${reached.join(', ')}): the agent's key would manage keys, not only use one`,
          fix:
            `remove it (rotation and revocation use the management credential, credentials.<name>.management, never the agent's key), ` +
            `or say why with keyManagement: "<a reason of at least ${KEY_MANAGEMENT_REASON_LENGTH} characters>"`,
        });
      });
    }
    if (problems.length > 0 || !api || secret === undefined) return { problems };
    const unique = [...new Map(endpoints.map((e) => [endpointText(e), e])).values()].sort((a, b) => (endpointText(a) < endpointText(b) ? -1 : 1));
    return { scope: { kind: 'secret', ...base, secret, http: { api: http.api, endpoints: unique } }, problems };
  }

  if (input.secret !== undefined) {
    if (!SAFE_NAME.test(input.secret) || input.secret.length > LIMITS.secretName) {
      problems.push({
        rule: 'unsafe-name',
        path: [...at, 'secret'],
        value: input.secret,
        message: `secret name is not lowercase kebab-case of at most ${LIMITS.secretName} characters`,
        fix: 'name the credential like hubspot or sendgrid-mail',
      });
    }
    return problems.length > 0 ? { problems } : { scope: { kind: 'secret', ...base, secret: input.secret }, problems };
  }

  if (input.aws !== undefined) {
    const actions: string[] = [];
    const checked = await Promise.all(input.aws.actions.map((a) => canonicalIamAction(a)));
    checked.forEach((result, i) => {
      const raw = input.aws!.actions[i];
      if ('action' in result) {
        actions.push(result.action);
      } else {
        const wildcard = result.problem.includes('wildcard');
        problems.push({
          rule: wildcard ? 'wildcard-action' : 'unknown-iam-action',
          path: [...at, 'aws', 'actions', i],
          value: raw,
          message: `IAM action ${result.problem}`,
          fix: wildcard
            ? 'list each action the agent needs, e.g. s3:GetObject'
            : 'use an action from the AWS service authorization reference, e.g. s3:GetObject',
        });
      }
    });
    input.aws.resources.forEach((arn, i) => {
      const wildcard = arnWildcardProblem(arn);
      const shape = wildcard ? undefined : arnShapeProblem(arn);
      const fleetOwned = wildcard || shape ? undefined : fleetResourceProblem(arn, settings);
      if (fleetOwned) {
        problems.push({
          rule: 'fleet-resource',
          path: [...at, 'aws', 'resources', i],
          value: arn,
          message: `resource ${fleetOwned}`,
          fix: "remove it: the fleet's functions manage their own resources, and an agent reaches its own role and secrets through its credential set",
        });
      }
      if (wildcard || shape) {
        problems.push({
          rule: wildcard ? 'wildcard-resource' : 'invalid-arn',
          path: [...at, 'aws', 'resources', i],
          value: arn,
          message: `resource ${wildcard ?? shape}`,
          fix: wildcard
            ? 'name the resource, e.g. arn:aws:s3:::acme-invoices (a trailing /* below a named bucket or prefix is allowed)'
            : 'write a full ARN such as arn:aws:s3:::acme-invoices',
        });
      }
    });
    if (problems.length > 0) return { problems };
    return { scope: { kind: 'aws', ...base, actions: sortedUnique(actions), resources: sortedUnique(input.aws.resources) }, problems };
  }

  const vault = input.vault!;
  const reserved = [
    { prefix: `${settings.kvMount}/`, why: `is in the fleet's KV mount ${settings.kvMount}/, which holds only the agents' own entries; use a secret: scope` },
    { prefix: `${settings.awsMount}/`, why: `is in the AWS secrets engine ${settings.awsMount}/, which brokers each agent's own role; use an aws: scope` },
  ];
  const pathWhy = vaultPathProblem(vault.path, reserved);
  if (pathWhy) {
    problems.push({
      rule: 'unsafe-vault-path',
      path: [...at, 'vault', 'path'],
      value: vault.path,
      message: `Vault path ${pathWhy}`,
      fix: 'grant an exact path of a secrets engine, e.g. transit/encrypt/invoices',
    });
  }
  vault.capabilities.forEach((capability, i) => {
    const known = (VAULT_CAPABILITIES as readonly string[]).includes(capability);
    if (!known || capability === 'sudo') {
      problems.push({
        rule: 'invalid-capability',
        path: [...at, 'vault', 'capabilities', i],
        value: capability,
        message: known ? 'sudo only matters on root-protected paths, which agents must not reach' : 'capability is not one Vault policies accept',
        fix: `use capabilities from: ${VAULT_CAPABILITIES.filter((c) => c !== 'sudo').join(', ')}`,
      });
    }
  });
  // KV v2 lists keys under <mount>/metadata/; `list` on <mount>/data/… passes the ACL and does nothing.
  const kvData = /^([^/]+)\/data\/(.+)$/.exec(vault.path);
  if (kvData && vault.capabilities.includes('list')) {
    problems.push({
      rule: 'invalid-capability',
      path: [...at, 'vault', 'capabilities', vault.capabilities.indexOf('list')],
      value: 'list',
      message: `list on a KV v2 data/ path grants nothing; KV v2 lists keys under ${kvData[1]}/metadata/`,
      fix: `grant list in its own scope on ${kvData[1]}/metadata/${kvData[2].replace(/\/[^/]+$/, '')}`,
    });
  }
  if (problems.length > 0) return { problems };
  return { scope: { kind: 'vault', ...base, path: vault.path, capabilities: sortedUnique(vault.capabilities) }, problems };
}
