import { describe, expect, test } from '@jest/globals';
import { configFromEnv, resolveConfig, settingsFromEnv, type LocalControllerConfig } from './config.js';
import { LocalControllerError } from './errors.js';

const good: LocalControllerConfig = { nodeName: 'edge-1', gmUrl: 'ws://127.0.0.1:9000/', nodeToken: 'abc', dataDir: '/tmp/lc' };

describe('resolveConfig', () => {
  test('fills the documented defaults', () => {
    const config = resolveConfig(good);
    expect(config).toMatchObject({
      bindHost: '127.0.0.1',
      port: 0,
      roundRetention: 10,
      timeZone: undefined,
      hardExampleBudget: { maxCount: 10_000, maxBytes: 1024 ** 3 },
      datasetPollSeconds: 60,
      datasetReadTimeoutSeconds: 30,
      defaultCheckPeriodSeconds: 10,
      hostRoot: '',
      hotUpdateRoot: '/tmp/lc/model-hot-update',
      hardExampleRoot: '/tmp/lc/hard-examples',
      drainTimeoutMs: 5000,
      workerNameWaitMs: 5000,
      reconnect: { initialDelayMs: 200, maxDelayMs: 30_000 },
    });
  });

  test.each<[Partial<LocalControllerConfig>, string]>([
    [{ nodeName: 'Edge_1' }, 'LC config: nodeName: "Edge_1" is not a node name (lower-case DNS-1123 subdomain)'],
    [{ gmUrl: 'http://gm:9000' }, 'LC config: gmUrl: "http://gm:9000" is not a ws:// or wss:// URL'],
    [{ gmUrl: 'not a url' }, 'LC config: gmUrl: "not a url" is not a URL (ws://host:port/)'],
    [{ nodeToken: ' ' }, 'LC config: nodeToken: " " is empty (set nodeToken or tokenFile)'],
    [{ tokenFile: '/var/run/secrets/sedna/token' }, 'LC config: tokenFile: "/var/run/secrets/sedna/token" is set together with nodeToken: set one of them'],
    [{ nodeToken: undefined, tokenFile: 'token' }, 'LC config: tokenFile: "token" is not an absolute file path'],
    [{ dataDir: '' }, 'LC config: dataDir: "" is not a folder path'],
    [{ port: 70000 }, 'LC config: port: 70000 is not an integer from 0 to 65535'],
    [{ roundRetention: 0 }, 'LC config: roundRetention: 0 is not an integer >= 1'],
    [{ timeZone: 'Mars/Olympus' }, 'LC config: timeZone: "Mars/Olympus" is not an IANA time zone'],
    [{ hardExampleBudget: { maxBytes: -1 } }, 'LC config: hardExampleBudget.maxBytes: -1 is not an integer >= 1'],
    [{ datasetPollSeconds: 0 }, 'LC config: datasetPollSeconds: 0 is not a positive number'],
    [{ datasetReadTimeoutSeconds: -5 }, 'LC config: datasetReadTimeoutSeconds: -5 is not a positive number'],
    [{ workerNameWaitMs: -1 }, 'LC config: workerNameWaitMs: -1 is not an integer >= 0'],
    [{ advertiseUrl: 'ftp://x' }, 'LC config: advertiseUrl: "ftp://x" is not an http:// URL'],
    [{ metricsAddress: '9101' }, 'LC config: metricsAddress: "9101" is not host:port (e.g. 0.0.0.0:9101)'],
    [{ reconnect: { initialDelayMs: 500, maxDelayMs: 100 } }, 'LC config: reconnect.maxDelayMs: 100 is less than reconnect.initialDelayMs (500)'],
  ])('rejects %p naming the field and the value', (patch, message) => {
    let error: unknown;
    try {
      resolveConfig({ ...good, ...patch });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LocalControllerError);
    expect((error as LocalControllerError).code).toBe('CONFIG_INVALID');
    expect((error as LocalControllerError).message).toBe(message);
  });
});

describe('configFromEnv', () => {
  test("reads the original's names and ours", () => {
    const config = configFromEnv({
      GM_ADDRESS: 'gm.sedna:9000',
      NODENAME: 'edge-1',
      SEDNA_NODE_TOKEN: 'tok',
      SEDNA_LC_DATA_DIR: '/data/lc',
      ROOTFS_MOUNT_DIR: '/rootfs',
      SEDNA_LC_HARD_EXAMPLES_MAX_COUNT: '50',
      SEDNA_LC_TIME_ZONE: 'Europe/Paris',
      SEDNA_LC_METRICS_ADDRESS: '0.0.0.0:9101',
    }, 1000);
    expect(config).toEqual({
      nodeName: 'edge-1',
      gmUrl: 'ws://gm.sedna:9000/',
      nodeToken: 'tok',
      dataDir: '/data/lc',
      port: 9100,
      hostRoot: '/rootfs',
      timeZone: 'Europe/Paris',
      metricsAddress: '0.0.0.0:9101',
      hardExampleBudget: { maxCount: 50, maxBytes: undefined },
    });
    expect(resolveConfig(config).hardExampleBudget).toEqual({ maxCount: 50, maxBytes: 1024 ** 3 });
    expect(resolveConfig(config).metricsAddress).toEqual({ host: '0.0.0.0', port: 9101 });
  });

  test('SEDNA_LC_DATA_ROOTS: folders split on : or ,; unset, a root LC gets none and a user LC anything it can read', () => {
    const env = { GM_ADDRESS: 'g:1', NODENAME: 'edge-1', SEDNA_NODE_TOKEN: 't' };
    expect(configFromEnv({ ...env, SEDNA_LC_DATA_ROOTS: '/var/lib/sedna:/data, /mnt/x/' }, 0).dataRoots).toEqual(['/var/lib/sedna', '/data', '/mnt/x/']);
    expect(resolveConfig(configFromEnv({ ...env, SEDNA_LC_DATA_ROOTS: '/var/lib/sedna:/mnt/x/' }, 0)).dataRoots).toEqual(['/var/lib/sedna', '/mnt/x']);
    expect(configFromEnv(env, 0).dataRoots).toEqual([]);
    expect(configFromEnv(env, 1000).dataRoots).toBeUndefined();
    expect(() => resolveConfig(configFromEnv({ ...env, SEDNA_LC_DATA_ROOTS: '/data:relative/dir' }, 0))).toThrow('LC config: dataRoots[1]: "relative/dir" is not an absolute folder path');
    expect(resolveConfig({ ...good, deniedRoots: ['/home/u/.sedna/', { path: '/srv/secrets', why: 'the secrets' }] }).deniedRoots).toEqual([
      { path: '/home/u/.sedna', why: 'a folder this LC never reads as data' },
      { path: '/srv/secrets', why: 'the secrets' },
    ]);
  });

  test('SEDNA_LC_TOKEN_FILE stands for SEDNA_NODE_TOKEN (a projected ServiceAccount token on a cluster)', () => {
    const config = configFromEnv({ GM_ADDRESS: 'sedna-gm.sedna.svc:9000', NODENAME: 'edge-1', SEDNA_LC_TOKEN_FILE: '/var/run/secrets/sedna/token' });
    expect(config).toMatchObject({ tokenFile: '/var/run/secrets/sedna/token' });
    expect(config.nodeToken).toBeUndefined();
    expect(resolveConfig(config)).toMatchObject({ nodeToken: undefined, tokenFile: '/var/run/secrets/sedna/token' });
  });

  test('NODENAME falls back to HOSTNAME; missing and malformed variables are named', () => {
    expect(configFromEnv({ GM_ADDRESS: 'ws://gm/', HOSTNAME: 'node-a', SEDNA_NODE_TOKEN: 't' }).nodeName).toBe('node-a');
    expect(() => configFromEnv({ NODENAME: 'a', SEDNA_NODE_TOKEN: 't' })).toThrow('LC env GM_ADDRESS (gmUrl): is not set (host:port of the GM)');
    expect(() => configFromEnv({ GM_ADDRESS: 'g:1', NODENAME: 'a' })).toThrow('LC env SEDNA_NODE_TOKEN (nodeToken): is not set, nor SEDNA_LC_TOKEN_FILE (tokenFile)');
    expect(() => configFromEnv({ GM_ADDRESS: 'g:1', NODENAME: 'a', SEDNA_NODE_TOKEN: 't', BIND_PORT: 'ninety' })).toThrow('LC env BIND_PORT (port): "ninety" is not a number');
  });
});

describe('settingsFromEnv', () => {
  test('the settings of the environment other than who the LC is and where it connects, only those set', () => {
    expect(settingsFromEnv({})).toEqual({});
    expect(settingsFromEnv({ GM_ADDRESS: 'gm:9000', NODENAME: 'n', SEDNA_NODE_TOKEN: 't', SEDNA_LC_DATA_DIR: '/d', HOSTNAME: 'h' })).toEqual({});
    expect(
      settingsFromEnv({
        SEDNA_LC_METRICS_ADDRESS: '0.0.0.0:9101',
        SEDNA_LC_HARD_EXAMPLES_MAX_COUNT: '50',
        SEDNA_LC_HARD_EXAMPLES_MAX_BYTES: '1048576',
        SEDNA_LC_TIME_ZONE: 'Europe/Paris',
        SEDNA_LC_DATA_ROOTS: '/data:/mnt',
        BIND_PORT: '9200',
      }),
    ).toEqual({ metricsAddress: '0.0.0.0:9101', hardExampleBudget: { maxCount: 50, maxBytes: 1048576 }, timeZone: 'Europe/Paris', dataRoots: ['/data', '/mnt'], port: 9200 });
    expect(settingsFromEnv({ SEDNA_LC_HARD_EXAMPLES_MAX_COUNT: '7' })).toEqual({ hardExampleBudget: { maxCount: 7 } });
    expect(() => settingsFromEnv({ SEDNA_LC_HARD_EXAMPLES_MAX_BYTES: 'lots' })).toThrow('LC env SEDNA_LC_HARD_EXAMPLES_MAX_BYTES (hardExampleBudget.maxBytes): "lots" is not a number');
  });
});
