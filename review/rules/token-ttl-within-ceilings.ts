import { formatDuration } from '../../model/duration';
import { LIMITS } from '../../model/fleet';
import { agentOfName, num, VAULT_ROLE_TYPES } from '../private/agent-resources';
import { stackViews } from '../terraform';
import { findingsFor } from './private/findings';
import { Finding, Rule } from './rule';

const ID = 'token-ttl-within-ceilings';
const TTL = formatDuration(LIMITS.credentialTtl);
const MAX = formatDuration(LIMITS.credentialMaxTtl);

/** Every Vault login issues short-lived tokens within the table's ceilings. */
export const tokenTtlWithinCeilings: Rule = {
  id: ID,
  name: 'Token lifetimes within the ceilings',
  compliant: `Every Vault AppRole and JWT role sets token_ttl of at most ${TTL} and a token max TTL (token_max_ttl or token_explicit_max_ttl) of at most ${MAX}, with no periodic tokens; Vault-brokered STS sessions stay within the same ceilings.`,
  explanation:
    "A role without token_ttl or token_max_ttl issues tokens that live for Vault's defaults (768 hours unless tuned), and a periodic token " +
    'can be renewed forever: a leaked token would outlive any rotation. The ceilings are the ones the table enforces (model/fleet.ts LIMITS); ' +
    "values must be literals so that they can be verified. Applies to agents and the fleet's functions alike.",
  controls: { soc2: ['CC6.1'], iso27001: ['A.5.17', 'A.8.5'], nist80053: ['AC-12', 'IA-5', 'IA-11'] },
  evaluate(output) {
    const out: Finding[] = [];
    for (const view of stackViews(output)) {
      const f = findingsFor(ID, view);
      for (const type of VAULT_ROLE_TYPES) {
        for (const block of view.resources(type)) {
          const agent = agentOfName(view.literal(block.body.role_name));
          const label = view.label(block);
          const add = (grant: string, message: string, fix: string): void => void out.push(f.at(block, { agent, grant, message: `${label}: ${message}`, fix }));
          const field = (key: string): number | 'not literal' | undefined => {
            const v = block.body[key];
            return v === undefined ? undefined : (num(v) ?? 'not literal');
          };
          const ttl = field('token_ttl');
          const max = field('token_max_ttl');
          const explicit = field('token_explicit_max_ttl');
          for (const [key, v] of [
            ['token_ttl', ttl],
            ['token_max_ttl', max],
            ['token_explicit_max_ttl', explicit],
          ] as const) {
            if (v === 'not literal')
              add(`${key} = ${String(block.body[key])}`, `${key} is not a literal, so it cannot be verified`, `write ${key} as a number of seconds`);
          }
          if (ttl === undefined || ttl === 0)
            add(
              'token_ttl unset',
              `token_ttl is unset, so tokens live Vault's default TTL`,
              `set token_ttl to at most ${LIMITS.credentialTtl} seconds (${TTL})`,
            );
          else if (typeof ttl === 'number' && ttl > LIMITS.credentialTtl)
            add(
              `token_ttl = ${ttl}`,
              `token_ttl ${formatDuration(ttl)} is above the ${TTL} ceiling`,
              `set token_ttl to at most ${LIMITS.credentialTtl} seconds`,
            );
          const caps = [max, explicit].filter((v): v is number => typeof v === 'number' && v > 0);
          if (caps.length === 0 && max !== 'not literal' && explicit !== 'not literal') {
            add(
              'token max TTL unset',
              "neither token_max_ttl nor token_explicit_max_ttl is set, so tokens renew up to Vault's default max TTL",
              `set token_max_ttl and token_explicit_max_ttl to at most ${LIMITS.credentialMaxTtl} seconds (${MAX})`,
            );
          }
          for (const [key, v] of [
            ['token_max_ttl', max],
            ['token_explicit_max_ttl', explicit],
          ] as const) {
            if (typeof v === 'number' && v > LIMITS.credentialMaxTtl)
              add(`${key} = ${v}`, `${key} ${formatDuration(v)} is above the ${MAX} ceiling`, `set ${key} to at most ${LIMITS.credentialMaxTtl} seconds`);
          }
          const period = num(block.body.token_period);
          if (period !== undefined && period > 0) add(`token_period = ${period}`, 'issues periodic tokens, which renew without limit', 'remove token_period');
        }
      }
      for (const block of view.resources('vault_aws_secret_backend_role')) {
        const agent = agentOfName(view.literal(block.body.name));
        const label = view.label(block);
        const sts = num(block.body.default_sts_ttl);
        const stsMax = num(block.body.max_sts_ttl);
        // AWS issues no session shorter than 15 minutes, so the STS default may reach that minimum even when the token ceiling is lower.
        const stsCeiling = Math.max(LIMITS.credentialTtl, LIMITS.awsMinSession);
        if (sts !== undefined && sts > stsCeiling)
          out.push(
            f.at(block, {
              agent,
              grant: `default_sts_ttl = ${sts}`,
              message: `${label}: default_sts_ttl ${formatDuration(sts)} is above the ${formatDuration(stsCeiling)} ceiling`,
              fix: `set default_sts_ttl to at most ${stsCeiling} seconds`,
            }),
          );
        if (stsMax !== undefined && stsMax > LIMITS.credentialMaxTtl)
          out.push(
            f.at(block, {
              agent,
              grant: `max_sts_ttl = ${stsMax}`,
              message: `${label}: max_sts_ttl ${formatDuration(stsMax)} is above the ${MAX} ceiling`,
              fix: `set max_sts_ttl to at most ${LIMITS.credentialMaxTtl} seconds`,
            }),
          );
      }
    }
    return out;
  },
};
