// Running Sedna on one machine: what `sedna up` (of @sedna-ts/cli) loads.
export { startSedna } from './sednaUp.js';

// Types.
export type { RunningSedna } from './sednaUp.js';
export type { UpLogs, UpPart } from './upLogs.js';
export type { StartSednaOptions, SednaEndpoint } from '@sedna-ts/cli';
