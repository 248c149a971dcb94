/**
 * A preload (`--require`, or NODE_OPTIONS) that makes the file system behave as a hung mount would, with
 * a real FIFO: in the LC's dataset reader processes, an open of a FIFO blocks, as every call on a hung
 * NFS mount does (they open with O_NONBLOCK, and refuse a FIFO at once without this); and, in any other
 * process, when TEST_STUCK_FIFO names a FIFO, one of its threads is stuck opening it, so that ending
 * that process cannot wait for its threads.
 */
export const HUNG_MOUNT_PRELOAD = `
const fs = require('node:fs');
if ((process.argv[1] || '').includes('datasetReader')) {
  const open = fs.promises.open;
  fs.promises.open = (path, flags, mode) => {
    try {
      if (typeof flags === 'number' && fs.statSync(path).isFIFO()) flags &= ~fs.constants.O_NONBLOCK;
    } catch {}
    return open(path, flags, mode);
  };
  require('node:module').syncBuiltinESMExports();
} else if (process.env.TEST_STUCK_FIFO) {
  fs.open(process.env.TEST_STUCK_FIFO, 'r', () => undefined);
}
`;
