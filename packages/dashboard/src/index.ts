/**
 * @sedna-ts/dashboard: the web dashboard of sedna-ts. `sedna up` starts it; on a cluster it runs as its
 * own Deployment (deploy/dashboard).
 */
export { startDashboard } from './server.js';
export { SESSION_COOKIE } from './sessions.js';

export type { DashboardOptions, RunningDashboard } from './server.js';
