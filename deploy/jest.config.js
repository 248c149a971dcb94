import preset from '../jest.preset.js';

// The cluster-shaped scenario starts an API server, a GM, an LC, a node agent and worker processes;
// it waits with its own deadlines, so jest's per-test timeout is only a last resort.
export default { ...preset, testTimeout: 180_000 };
