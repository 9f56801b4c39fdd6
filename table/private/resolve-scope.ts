import { FleetSettings, LIMITS, Scope } from '../../model/fleet';
import { SAFE_NAME } from '../../model/names';
import { ScopeInput } from '../schema';
import { DocPath } from '../table-source';
import { arnShapeProblem, arnWildcardProblem } from '../../model/arn';
import { VAULT_CAPABILITIES, vaultPathProblem } from './checks';
import { canonicalIamAction } from './iam-actions';
import { SettingProblem } from './inherit';
import { fleetResourceProblem } from '../../model/resource-names';

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
  const kinds = (['secret', 'aws', 'vault'] as const).filter((k) => input[k] !== undefined);
  if (kinds.length !== 1) {
    problems.push({
      rule: 'scope-kind',
      path: at,
      value: name,
      message: kinds.length === 0 ? 'scope grants nothing' : `scope mixes ${kinds.join(' and ')}`,
      fix: 'give the scope exactly one of secret: NAME, aws: { actions, resources }, vault: { path, capabilities }; split it into several scopes if it needs more',
    });
    return { problems };
  }
  const base = { name, description: input.description };

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
