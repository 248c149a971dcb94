/** Version of this package, kept in step with package.json by the release tooling. */
export const VERSION = '0.1.0';

// Node agent: a small kubelet that runs the pods bound to its node as local processes.
export { startNodeAgent, NodeAgentError } from './agent/index.js';
export type { NodeAgent, NodeAgentOptions, NodeAgentErrorCode, NodeAgentLogger, Interpreters } from './agent/index.js';
