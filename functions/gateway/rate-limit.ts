/**
 * At most `maxCallsPerMinute` calls a minute an agent, across every gateway
 * instance. The shared counter lives in the store; each instance leases a few
 * calls at a time from it (a lease is added to the counter only if the sum
 * stays within the limit), so the limit is never exceeded and the store is
 * asked once a lease, not once a call. Calls an instance leased but did not
 * use that minute are lost to the others: the limit holds from below.
 */
import { GatewayStore } from './store';

/** Whether a call may go ahead, and when to retry when not. */
export type RateDecision = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterSeconds: number };

/** How many calls a lease takes: a hundredth of the limit, between 1 and 50. */
export function leaseSize(max: number): number {
  return Math.max(1, Math.min(50, Math.floor(max / 100)));
}

/** One instance's leases. */
export class RateLimiter {
  private readonly leases = new Map<string, { minute: number; left: number; pending?: Promise<void>; exhausted: boolean }>();

  constructor(
    private readonly store: GatewayStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one call of `agent`'s minute, leasing more from the store when this instance has none left. */
  public async take(agent: string, max: number): Promise<RateDecision> {
    for (;;) {
      const now = this.now();
      const minute = Math.floor(now / 60_000);
      let lease = this.leases.get(agent);
      if (!lease || lease.minute !== minute) {
        lease = { minute, left: 0, exhausted: false };
        this.leases.set(agent, lease);
      }
      if (lease.left > 0) {
        lease.left--;
        return { allowed: true };
      }
      if (lease.exhausted) return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000)) };
      // One lease in flight per agent: the others wait for it instead of leasing too.
      lease.pending ??= this.lease(agent, lease, max).finally(() => {
        lease!.pending = undefined;
      });
      await lease.pending;
    }
  }

  private async lease(agent: string, lease: { minute: number; left: number; exhausted: boolean }, max: number): Promise<void> {
    let want = leaseSize(max);
    for (let attempt = 0; attempt < 3; attempt++) {
      if ((await this.store.addCalls(agent, lease.minute, want, max)) !== undefined) {
        lease.left += want;
        return;
      }
      // Not that many left: take what remains, if anything.
      const room = max - (await this.store.calls(agent, lease.minute));
      if (room <= 0) break;
      want = Math.min(want, room);
    }
    lease.exhausted = true;
  }
}
