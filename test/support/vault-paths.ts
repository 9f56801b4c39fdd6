/**
 * Vault's ACL path semantics, for tests that decide what a policy reaches:
 * a path matches exactly, a trailing `*` matches any suffix (a prefix glob),
 * and a `+` matches exactly one path segment, anywhere in the path.
 * (https://developer.hashicorp.com/vault/docs/concepts/policies#policy-syntax)
 */

/** Whether a policy path (`kv/data/agents/+/hubspot`, `kv/data/agents/*`) covers the request path. */
export function vaultPathMatches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const body = glob ? pattern.slice(0, -1) : pattern;
  const want = body.split('/');
  const have = path.split('/');
  if (!glob && want.length !== have.length) return false;
  if (glob && have.length < want.length) return false;
  for (let i = 0; i < want.length; i++) {
    const last = i === want.length - 1;
    if (want[i] === '+') {
      if (have[i] === undefined || have[i] === '') return false;
      continue;
    }
    // A trailing `*` after text in the last segment is a prefix of that segment: `agents/lead-*`.
    if (last && glob) return have.slice(i).join('/').startsWith(want[i]);
    if (want[i] !== have[i]) return false;
  }
  return true;
}

/** Every Vault path of `agent` in a synthesized stack that no other agent may reach. */
export function agentOwnPaths(tf: { resource: Record<string, Record<string, Record<string, unknown>>> }, agent: string): string[] {
  const literal = (v: unknown): string => {
    const ref = /^\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z_]+)\}$/.exec(String(v));
    return ref ? String(tf.resource[ref[1]]?.[ref[2]]?.[ref[3]]) : String(v);
  };
  const paths: string[] = [];
  for (const entry of Object.values(tf.resource.vault_kv_secret_v2 ?? {})) {
    const meta = (entry.custom_metadata as { data?: Record<string, string> } | undefined)?.data ?? {};
    if (meta.agent !== agent) continue;
    const mount = literal(entry.mount);
    paths.push(`${mount}/data/${String(entry.name)}`, `${mount}/metadata/${String(entry.name)}`);
  }
  for (const role of Object.values(tf.resource.vault_aws_secret_backend_role ?? {})) {
    if (role.name === `agent-${agent}`) paths.push(`${literal(role.backend)}/creds/${String(role.name)}`, `${literal(role.backend)}/sts/${String(role.name)}`);
  }
  for (const role of Object.values(tf.resource.vault_approle_auth_backend_role ?? {})) {
    if (role.role_name !== `agent-${agent}`) continue;
    const base = `auth/${literal(role.backend)}/role/${String(role.role_name)}`;
    paths.push(base, `${base}/role-id`, `${base}/secret-id`, `${base}/secret-id-accessor/destroy`);
  }
  paths.push(`sys/policies/acl/agent-${agent}`);
  return paths;
}
