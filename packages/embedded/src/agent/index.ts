// The node agent's public surface, re-exported by the package's src/index.ts.
export { startNodeAgent } from './nodeAgent.js';
export { NodeAgentError } from './errors.js';
export type { NodeAgent, NodeAgentOptions } from './nodeAgent.js';
export type { NodeAgentErrorCode } from './errors.js';
export type { NodeAgentLogger } from './logger.js';
export type { Interpreters } from './command.js';
