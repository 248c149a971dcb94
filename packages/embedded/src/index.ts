// @sedna-ts/embedded: the one-machine control plane.

// Package
export { VERSION } from './version.js';

// API server: a durable Kubernetes-compatible API server for the GM, the CLI and kubectl.
export { startApiServer } from './apiserver/apiServer.js';
export { ApiServerError } from './apiserver/errors.js';
export { podLogPath } from './podLogs.js';
export { STORE_SCHEMA_VERSION } from './apiserver/store.js';
export { DEFAULT_SERVICE_ACCOUNT_ISSUER } from './apiserver/serviceAccountTokens.js';
export type { ApiServerOptions, RunningApiServer } from './apiserver/apiServer.js';
export type { ApiServerErrorCode, KubeStatus } from './apiserver/errors.js';
export type { ApiServerLogger } from './apiserver/logger.js';
export type { AuditRecord } from './apiserver/handler.js';

// Node agent: a small kubelet that runs the pods bound to its node as local processes.
export { startNodeAgent, NodeAgentError } from './agent/index.js';
export type { NodeAgent, NodeAgentOptions, NodeAgentErrorCode, NodeAgentLogger, Interpreters } from './agent/index.js';
