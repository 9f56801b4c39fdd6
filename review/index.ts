/**
 * Reviews over synthesized output (`cdktf.out`), what would deploy: the
 * access matrix, the privilege diff between two outputs, the resource graph,
 * and the guard-rail check. Pure: no cdktf, no network.
 */
export * from './access-matrix';
export * from './diff';
export * from './diff-report';
export * from './graph';
export * from './graph-formats';
export * from './infrastructure';
export * from './read-output';
export * from './report';
export * from './synth-output';
export * from './synthesized-limits';
export * from './terraform';
export * from './vault-audit-log';
