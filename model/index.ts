/**
 * The model: a validated table's types and the pure translation of each
 * agent into what it may do (Vault policies, IAM statements and trust, secret
 * entries, names), the shards, and the operations contract shared with the
 * functions. Nothing here imports cdktf or reads a file; call any of it from a REPL.
 */
export * from './access';
export * from './agent-login';
export * from './apis';
export * from './arn';
export * from './call-log';
export * from './cloud-trail-events';
export * from './delivery';
export * from './duration';
export * from './fleet';
export * from './gateway';
export * from './github-oidc';
export * from './http-grants';
export * from './iam-policy';
export * from './names';
export * from './operations';
export * from './problem';
export * from './resource-names';
export * from './schedule';
export * from './secret-entries';
export * from './secret-patterns';
export * from './shards';
export * from './usage';
export * from './vault-policy';
