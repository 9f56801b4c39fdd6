import { createHash } from 'crypto';
import { Agent, Fleet, ShardSettings } from './fleet';

/**
 * One shard of a fleet: a stack of its own holding some agents' credential
 * sets, beside the fleet's shared stack (named after the fleet).
 */
export interface Shard {
  /** The shard's key: `07` (by name) or the owner's slug (by owner). */
  readonly key: string;
  /** Its stack name, `<fleet>-shard-07` or `<fleet>-<owner slug>`. */
  readonly stack: string;
  /** Its agents, in the fleet's order (by name). */
  readonly agents: readonly Agent[];
}

/** The most characters of an owner's address a shard key keeps before it shortens it with a hash. */
const OWNER_KEY_LENGTH = 40;

/**
 * An agent's shard key, from its own row only — never from the other rows, so
 * adding or removing an agent leaves every other agent where it is.
 *
 * - `by: name`: the first 4 bytes of SHA-256 of the name, as an unsigned
 *   big-endian integer, modulo `count`, zero-padded to the width of
 *   `count - 1` (at least 2): `printf %s lead-enricher | sha256sum` gives it.
 * - `by: owner`: the owner's address in lowercase kebab-case
 *   (`growth@acme.example` → `growth-acme-example`, case ignored); past 40
 *   characters, or when it holds characters kebab-case cannot spell, its
 *   first 31 and 8 hex digits of the SHA-256 of the lowercased address.
 */
export function shardKeyOf(agent: Pick<Agent, 'name' | 'owner'>, shards: ShardSettings): string {
  if (shards.by === 'name') {
    return bucketKey(createHash('sha256').update(agent.name).digest().readUInt32BE(0) % shards.count, shards.count);
  }
  const owner = agent.owner.toLowerCase();
  const slug = owner.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const key = /^[a-z]/.test(slug) ? slug : `o-${slug}`.replace(/-+$/, '');
  // Letters the slug cannot spell (張三@…) would make two owners one key: the hash keeps them apart.
  const lossy = /[^a-z0-9@._+\s-]/.test(owner);
  if (key.length <= OWNER_KEY_LENGTH && !lossy) return key;
  return `${key.slice(0, 31).replace(/-+$/, '')}-${createHash('sha256').update(owner).digest('hex').slice(0, 8)}`;
}

/** The stack name of a shard: `<fleet>-shard-<key>` by name, `<fleet>-<key>` by owner. */
export function shardStackName(fleetName: string, shards: ShardSettings, key: string): string {
  return shards.by === 'name' ? `${fleetName}-shard-${key}` : `${fleetName}-${key}`;
}

/**
 * Every key a shard of this fleet can have: all `count` buckets by name
 * (empty ones too, so that the shared stack never changes as agents come and
 * go), the owners present by owner.
 */
export function possibleShardKeys(fleet: Fleet): string[] {
  const shards = fleet.settings.shards;
  if (!shards) return [];
  if (shards.by === 'name') return Array.from({ length: shards.count }, (_, i) => bucketKey(i, shards.count));
  return [...new Set(fleet.agents.map((a) => shardKeyOf(a, shards)))].sort();
}

/** A bucket's key: zero-padded to the width of the largest bucket, at least two digits. */
function bucketKey(bucket: number, count: number): string {
  return String(bucket).padStart(Math.max(2, String(count - 1).length), '0');
}

/**
 * Splits a sharded fleet into its non-empty shards, sorted by key (an empty
 * bucket has no stack). A fleet without `fleet.shards` has none.
 */
export function shardsOf(fleet: Fleet): Shard[] {
  const shards = fleet.settings.shards;
  if (!shards) return [];
  const byKey = new Map<string, Agent[]>();
  for (const agent of fleet.agents) {
    const key = shardKeyOf(agent, shards);
    const list = byKey.get(key);
    if (list) list.push(agent);
    else byKey.set(key, [agent]);
  }
  return [...byKey.keys()].sort().map((key) => ({
    key,
    stack: shardStackName(fleet.settings.name, shards, key),
    // In the fleet's order, which is sorted by name.
    agents: byKey.get(key)!,
  }));
}
