import preset from '../jest.preset.js';

// The scenarios run one after another (each starts its own `sedna up` and its workers); a scenario
// waits for the system with its own deadlines, so jest's per-test timeout is only a last resort.
export default { ...preset, testTimeout: 300_000 };
