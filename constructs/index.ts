export * from './agent-aws-role';
export * from './agent-fleet';
export * from './agent-secret-entry';
export * from './agent-vault-access';
export * from './scoped-agent';
