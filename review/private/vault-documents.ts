import { parseVaultPolicy } from '../../model/vault-policy';
import { byCodeUnit } from './order';

/** One path rule of a Vault policy read back from the output. */
export interface ReadVaultRule {
  readonly path: string;
  /** Sorted, de-duplicated. */
  readonly capabilities: readonly string[];
  /** The comment written above the block (`renderVaultPolicy` writes the scopes there), when any. */
  readonly reason?: string;
}

/** A Vault policy read back: its rules, and how many `path` blocks could not be read. */
export interface ReadVaultPolicy {
  readonly rules: readonly ReadVaultRule[];
  /**
   * `path` blocks present in the text that the parser did not read (other
   * arguments than `capabilities`, another layout). Checks fail closed on them.
   */
  readonly unreadable: number;
}

/**
 * Reads a Vault policy as synthesized: HCL as `renderVaultPolicy` writes it
 * (through `parseVaultPolicy`), or Vault's JSON policy form. Rules with the
 * same path are merged; the result is sorted by path.
 */
export function readVaultPolicy(text: unknown): ReadVaultPolicy {
  if (typeof text !== 'string') return { rules: [], unreadable: 1 };
  const raw: { path: string; capabilities: string[]; reason?: string }[] = [];
  let blocks: number;
  if (text.trim().startsWith('{')) {
    try {
      const paths = (JSON.parse(text) as { path?: Record<string, { capabilities?: unknown }> }).path ?? {};
      blocks = Object.keys(paths).length;
      for (const [path, body] of Object.entries(paths)) {
        if (Array.isArray(body?.capabilities)) raw.push({ path, capabilities: body.capabilities.map(String) });
      }
    } catch {
      return { rules: [], unreadable: 1 };
    }
  } else {
    blocks = (text.match(/(^|\n)\s*path\s+"/g) ?? []).length;
    const reasons = new Map<string, string>();
    for (const m of text.matchAll(/#[ \t]*([^\n]*)\n[ \t]*path\s+"([^"]+)"/g)) reasons.set(m[2], m[1].trim());
    for (const rule of parseVaultPolicy(text)) raw.push({ ...rule, reason: reasons.get(rule.path) });
  }
  const byPath = new Map<string, { capabilities: Set<string>; reasons: Set<string> }>();
  for (const r of raw) {
    const merged = byPath.get(r.path) ?? { capabilities: new Set<string>(), reasons: new Set<string>() };
    r.capabilities.forEach((c) => merged.capabilities.add(c));
    if (r.reason) merged.reasons.add(r.reason);
    byPath.set(r.path, merged);
  }
  const rules = [...byPath.entries()]
    .sort(([a], [b]) => byCodeUnit(a, b))
    .map(([path, m]): ReadVaultRule => ({
      path,
      capabilities: [...m.capabilities].sort(),
      reason: m.reasons.size > 0 ? [...m.reasons].sort().join('; ') : undefined,
    }));
  return { rules, unreadable: Math.max(0, blocks - raw.length) };
}

/**
 * Scope names in a rule's reason: `renderVaultPolicy` writes the scopes a
 * path serves (`crm.contacts.read, crm.tags.write`), or the mechanism it
 * serves in words (`token self-service`), which names no scope.
 */
export function scopesInReason(reason: string | undefined): string[] {
  if (!reason) return [];
  return reason
    .split(/[;,]\s*/)
    .map((s) => s.trim())
    .filter((s) => /^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(s));
}
