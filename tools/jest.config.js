import preset from '../jest.preset.js';

// One file that packs and installs everything first (minutes, on a loaded machine): jest's per-test
// timeout is only a last resort; every command it runs has its own deadline.
export default { ...preset, testTimeout: 600_000 };
