import { AGENT_PREFIX } from '../../model/fleet';
import { destroySecretId, listSecretIdAccessors, lookupSecretId, rfc3339Nanos } from '../shared/approle';
import { Logger } from '../shared/log';
import { Vault } from '../shared/vault';

/** What one expiry did. */
export interface Expiry {
  readonly agent: string;
  readonly destroyed: number;
  /** Secret-ids left alive: the kept one and any issued after it. */
  readonly kept: number;
}

/**
 * Runs when a rotation's grace period ends: destroys every secret-id of the
 * agent's AppRole role issued before `keepAccessor` (the one that rotation
 * delivered). Secret-ids issued after it — by a later rotation whose own
 * expiry is still pending, or by an operator — stay: expiring "all but one"
 * would let an earlier schedule destroy a later rotation's secret-id.
 *
 * Idempotent: when `keepAccessor` is gone (revoked, expired), nothing is destroyed.
 */
export async function expirePrevious(deps: { vault: Vault; log: Logger }, appRoleMount: string, agent: string, keepAccessor: string): Promise<Expiry> {
  const { vault, log } = deps;
  const role = `${AGENT_PREFIX}${agent}`;
  const keep = await lookupSecretId(vault, appRoleMount, role, keepAccessor);
  if (!keep) {
    log.warn(`expire-previous ${agent}: the secret-id to keep no longer exists (revoked or expired); destroying nothing`, { agent, keepAccessor });
    return { agent, destroyed: 0, kept: 0 };
  }
  const keepTime = rfc3339Nanos(keep.creationTime);
  let destroyed = 0;
  let kept = 0;
  for (const accessor of await listSecretIdAccessors(vault, appRoleMount, role)) {
    if (accessor === keepAccessor) {
      kept++;
      continue;
    }
    const info = await lookupSecretId(vault, appRoleMount, role, accessor);
    if (!info) continue;
    if (rfc3339Nanos(info.creationTime) < keepTime) {
      if (await destroySecretId(vault, appRoleMount, role, accessor)) destroyed++;
    } else {
      kept++;
    }
  }
  log.info(`expire-previous ${agent}: ${destroyed} previous secret-id(s) destroyed, ${kept} kept`, { agent, keepAccessor, destroyed, kept });
  return { agent, destroyed, kept };
}
