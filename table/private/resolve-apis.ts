import { ApiDefinition, BUILTIN_APIS, CredentialPlacement } from '../../model/apis';
import { LIMITS } from '../../model/fleet';
import { SAFE_NAME } from '../../model/names';
import { ApiInput } from '../schema';
import { urlProblem } from './checks';
import { SettingProblem } from './inherit';

/** Headers the gateway sets or strips itself, which no API's credential may be placed in. */
const RESERVED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'cookie',
  'x-scoped-agents-key',
  'x-vault-token',
]);

/**
 * An API as the table defines or amends it (`apis.<name>`): a built-in one's
 * base URL or credential, or an API of the table's own, which needs both a
 * base URL and where its credential goes.
 */
export function resolveApi(name: string, input: ApiInput | undefined, at: readonly (string | number)[]): { api?: ApiDefinition; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const builtin = BUILTIN_APIS[name];
  if (!SAFE_NAME.test(name) || name.length > LIMITS.secretName) {
    problems.push({
      rule: 'unsafe-name',
      path: at,
      key: true,
      value: name,
      message: 'API name is not lowercase kebab-case: it is the first segment of the gateway path',
      fix: 'name the API like hubspot or billing-api',
    });
  }
  const baseUrl = (input?.baseUrl ?? builtin?.baseUrl)?.replace(/\/+$/, '');
  if (baseUrl === undefined) {
    problems.push({
      rule: 'missing-key',
      path: input ? at : at.slice(0, -1),
      message: builtin ? `${name}'s base URL is your own account's` : `API ${name} is not built in: the gateway needs its base URL`,
      fix: `add apis: { ${name}: { baseUrl: ${builtin?.baseUrlHint ?? 'https://api.example.com'} } }`,
    });
  } else {
    const why =
      urlProblem(baseUrl) ?? (/[?#]/.test(baseUrl) ? 'has a query string or fragment' : /[*{}]/.test(baseUrl) ? 'has a wildcard or a placeholder' : undefined);
    if (why)
      problems.push({
        rule: 'invalid-value',
        path: [...at, 'baseUrl'],
        value: input?.baseUrl,
        message: `baseUrl ${why}`,
        fix: 'write the fixed base URL every request of the API starts with, e.g. https://api.example.com/v1',
      });
  }
  const credential = input?.credential ?? name;
  if (!SAFE_NAME.test(credential)) {
    problems.push({
      rule: 'unsafe-name',
      path: [...at, 'credential'],
      value: credential,
      message: 'credential is not a secret name (lowercase kebab-case)',
      fix: 'name the credential as its secret: scopes do, e.g. hubspot',
    });
  }
  let placement: CredentialPlacement | undefined = builtin?.placement;
  if (input?.auth) {
    const { type, name: field, prefix } = input.auth;
    if ((type === 'header' || type === 'query') && field === undefined) {
      problems.push({
        rule: 'missing-key',
        path: [...at, 'auth'],
        message: `auth type ${type} needs the ${type === 'header' ? 'header' : 'query parameter'} name`,
        fix: `add name:, e.g. ${type === 'header' ? 'X-Api-Key' : 'api_key'}`,
      });
    } else if (type === 'header' && (!/^[A-Za-z0-9-]+$/.test(field!) || RESERVED_HEADERS.has(field!.toLowerCase()))) {
      problems.push({
        rule: 'invalid-value',
        path: [...at, 'auth', 'name'],
        value: field,
        message: 'auth header is not a header name the gateway may set',
        fix: 'name a header such as X-Api-Key',
      });
    } else if (type === 'query' && !/^[A-Za-z0-9_.-]+$/.test(field!)) {
      problems.push({
        rule: 'invalid-value',
        path: [...at, 'auth', 'name'],
        value: field,
        message: 'auth query parameter name has characters a parameter name may not hold',
        fix: 'name a parameter such as api_key',
      });
    } else if ((type === 'bearer' || type === 'basic') && field !== undefined) {
      problems.push({ rule: 'unused-setting', path: [...at, 'auth', 'name'], value: field, message: `auth type ${type} takes no name`, fix: 'remove name' });
    } else if (prefix !== undefined && (type !== 'header' || /[\r\n]/.test(prefix))) {
      problems.push({
        rule: 'invalid-value',
        path: [...at, 'auth', 'prefix'],
        value: prefix,
        message: 'prefix applies only to a header credential, on one line',
        fix: 'remove prefix, or use type: header',
      });
    } else {
      placement =
        type === 'header' ? { type, name: field!, ...(prefix !== undefined ? { prefix } : {}) } : type === 'query' ? { type, name: field! } : { type };
    }
  } else if (!builtin) {
    problems.push({
      rule: 'missing-key',
      path: at,
      message: `API ${name} is not built in: the gateway needs to know where its credential goes`,
      fix: 'add auth: { type: bearer } (or header with name:, basic, query with name:)',
    });
  }
  if (problems.length > 0 || baseUrl === undefined || placement === undefined) return { problems };
  return { api: { name, baseUrl, credential, placement }, problems };
}
