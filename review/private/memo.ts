import { StackView } from '../terraform';

const caches = new WeakMap<StackView, Map<string, unknown>>();

/**
 * Computes `make()` once per stack view and key. Reports ask per agent for
 * things that are cheapest to compute for all agents at once (every alarm,
 * every policy document), so the first call indexes and the rest look up.
 */
export function memo<T>(view: StackView, key: string, make: () => T): T {
  let cache = caches.get(view);
  if (!cache) {
    cache = new Map();
    caches.set(view, cache);
  }
  if (!cache.has(key)) cache.set(key, make());
  return cache.get(key) as T;
}

/** Groups `items` by the keys `keysOf` gives each (in order), for per-agent lookups. */
export function groupBy<T>(items: Iterable<T>, keysOf: (item: T) => readonly string[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    for (const key of keysOf(item)) {
      const list = out.get(key) ?? [];
      list.push(item);
      out.set(key, list);
    }
  }
  return out;
}
