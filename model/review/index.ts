/**
 * Reviews over synthesized output (`cdktf.out`), what would deploy: the
 * access matrix, the privilege diff between two outputs, the resource graph,
 * and the guard-rail check. Pure: no cdktf, no network.
 */
export * from './access-matrix';
export * from './check';
export * from './check-formats';
export * from './diff';
export * from './diff-report';
export * from './graph';
export * from './graph-formats';
export * from './read-output';
export * from './report';
export * from './suppressions';
export * from './terraform';
