/**
 * Whether an agent is revoked: the marker the revoke function writes at
 * `<kv>/control/revoked/<agent>`, read at most every
 * `GATEWAY.revocationCacheMs` per agent, so that a revoked agent is refused
 * within seconds of its alarm. A marker that cannot be read refuses the call.
 */
import { GATEWAY } from '../../model/gateway';
import { revocationMarker } from '../../model/operations';
import { VaultReader } from './vault-session';

/** The revocation check, with its cache. */
export class RevocationCheck {
  private readonly cache = new Map<string, { revoked: boolean; until: number } | { pending: Promise<boolean> }>();

  constructor(
    private readonly vault: VaultReader,
    private readonly kvMount: string,
    private readonly now: () => number = Date.now,
    private readonly ttlMs: number = GATEWAY.revocationCacheMs,
  ) {}

  /** @throws when the marker cannot be read (the caller refuses the call) */
  public async revoked(agent: string): Promise<boolean> {
    const hit = this.cache.get(agent);
    if (hit && 'pending' in hit) return hit.pending;
    if (hit && hit.until > this.now()) return hit.revoked;
    const pending = this.vault
      .read(`${this.kvMount}/data/${revocationMarker(agent)}`)
      .then((res) => {
        // KV v2 answers a deleted (but not destroyed) version with 404 too.
        const revoked = res.status === 200 && res.body?.data?.data !== null && res.body?.data?.data !== undefined;
        this.cache.set(agent, { revoked, until: this.now() + this.ttlMs });
        return revoked;
      })
      .catch((e) => {
        this.cache.delete(agent);
        throw e;
      });
    this.cache.set(agent, { pending });
    return pending;
  }
}
