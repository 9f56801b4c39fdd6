export * from './agent-aws-role';
export * from './agent-aws-secret';
export * from './agent-fleet';
export * from './agent-shard';
export * from './agent-github-environment';
export * from './agent-monitoring';
export * from './agent-rotation';
export * from './agent-secret-entry';
export * from './agent-vault-access';
// The fleet's parts (key, topic, scheduler, functions, Vault logins) take
// private types and may change freely; FleetOperations is what users rely on.
export { FUNCTION_RUNTIME } from './fleet-function';
export * from './fleet-core';
export * from './fleet-operations';
export * from './fleet-runbooks';
export * from './github-actions-identity';
export * from './scoped-agent';
