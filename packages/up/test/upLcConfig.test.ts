// `sedna up`'s LC config: the LC's own environment reader, with only what sedna up decides set over it.
import { settingsFromEnv } from '@sedna-ts/local-controller';
import { pino } from 'pino';
import { upLcConfig, type UpLcSettings } from '../src/lcConfig.js';

const logger = pino({ level: 'silent' });
const up = (extra: Partial<UpLcSettings> = {}): UpLcSettings => ({
  node: 'edge-node',
  gmUrl: 'ws://127.0.0.1:4000/',
  nodeToken: 'node-token',
  dataDir: '/up/lc',
  upDataDir: '/up',
  localImages: ['kubeedge/sedna-example'],
  env: {},
  logger,
  ...extra,
});

test("the LC's environment variables (metrics address, hard-example budget, ...) reach sedna up's LC", () => {
  const env = { SEDNA_LC_METRICS_ADDRESS: '0.0.0.0:9101', SEDNA_LC_HARD_EXAMPLES_MAX_COUNT: '50', SEDNA_LC_HARD_EXAMPLES_MAX_BYTES: '2048', SEDNA_LC_TIME_ZONE: 'UTC', SEDNA_LC_DATA_ROOTS: '/data', BIND_PORT: '9200' };
  const config = upLcConfig(settingsFromEnv(env), up({ env }));
  expect(config).toMatchObject({ metricsAddress: '0.0.0.0:9101', hardExampleBudget: { maxCount: 50, maxBytes: 2048 }, timeZone: 'UTC', dataRoots: ['/data'], port: 9200, s3Env: env });
});

test('what sedna up decides is not taken from the environment; --data-root and --lc-port win over theirs', () => {
  const env = { GM_ADDRESS: 'elsewhere:9000', NODENAME: 'other', SEDNA_NODE_TOKEN: 'stolen', SEDNA_LC_TOKEN_FILE: '/token', SEDNA_LC_DATA_DIR: '/var/lib/sedna', ROOTFS_MOUNT_DIR: '/rootfs', SEDNA_LC_DATA_ROOTS: '/data', BIND_PORT: '9200' };
  const config = upLcConfig(settingsFromEnv(env), up({ env, dataRoots: ['/mine'], port: 0 }));
  expect(config).toMatchObject({ nodeName: 'edge-node', gmUrl: 'ws://127.0.0.1:4000/', nodeToken: 'node-token', dataDir: '/up/lc', hostRoot: '', dataRoots: ['/mine'], port: 0, localImages: ['kubeedge/sedna-example'] });
  expect(config.tokenFile).toBeUndefined();
  expect(config.deniedRoots).toEqual([{ path: '/up', why: 'the data dir of sedna up, which holds its secrets' }]);
  // Nothing set: any free port, no allow list (the user's files), no metrics listener of its own.
  const plain = upLcConfig(settingsFromEnv({}), up());
  expect([plain.port, plain.dataRoots, plain.metricsAddress]).toEqual([0, undefined, undefined]);
});
