import { configFromEnv, configSecrets } from './config.js';

test('defaults: anonymous AWS S3, path style, @ mark, 8 at a time, 5 attempts, copies, missing files warned', () => {
  expect(configFromEnv({})).toEqual({
    s3: { endpoint: undefined, accessKeyId: undefined, secretAccessKey: undefined, region: 'us-east-1', forcePathStyle: true },
    indirectMark: '@',
    logLevel: 'info',
    concurrency: 8,
    attempts: 5,
    retryDelayMs: 500,
    retryMaxDelayMs: 15000,
    localMode: 'copy',
    indirectMissing: 'warn',
    httpHeaders: {},
  });
});

test('the original variables and ours are read', () => {
  const config = configFromEnv({
    S3_ENDPOINT_URL: 'http://minio.sedna:9000/',
    ACCESS_KEY_ID: 'key',
    SECRET_ACCESS_KEY: 'secret',
    AWS_REGION: 'eu-west-1',
    INDIRECT_URL_MARK: '%',
    LOG_LEVEL: 'WARNING',
    SEDNA_DOWNLOAD_CONCURRENCY: '16',
    SEDNA_DOWNLOAD_ATTEMPTS: '2',
    SEDNA_LOCAL_MODE: 'symlink',
    SEDNA_INDIRECT_MISSING: 'fail',
    'models.example.com-headers': '{"Authorization":"Bearer abc"}',
  });
  expect(config).toMatchObject({
    s3: { endpoint: 'http://minio.sedna:9000', accessKeyId: 'key', secretAccessKey: 'secret', region: 'eu-west-1' },
    indirectMark: '%',
    logLevel: 'warn',
    concurrency: 16,
    attempts: 2,
    localMode: 'symlink',
    indirectMissing: 'fail',
    httpHeaders: { 'models.example.com': { Authorization: 'Bearer abc' } },
  });
  expect(configSecrets(config).sort()).toEqual(['Bearer abc', 'key', 'secret']);
});

test('an endpoint without a scheme is https unless S3_USE_HTTPS says otherwise (the Secret annotation form)', () => {
  expect(configFromEnv({ S3_ENDPOINT_URL: 'minio:9000' }).s3.endpoint).toBe('https://minio:9000');
  expect(configFromEnv({ S3_ENDPOINT_URL: 'minio:9000', S3_USE_HTTPS: '0' }).s3.endpoint).toBe('http://minio:9000');
});

test('wrong values are USAGE errors naming the variable and the value', () => {
  expect(() => configFromEnv({ SEDNA_DOWNLOAD_CONCURRENCY: '0' })).toThrow('SEDNA_DOWNLOAD_CONCURRENCY: "0" is not an integer from 1 to 64');
  expect(() => configFromEnv({ SEDNA_LOCAL_MODE: 'move' })).toThrow('SEDNA_LOCAL_MODE: "move" is not one of copy, symlink');
  expect(() => configFromEnv({ LOG_LEVEL: 'loud' })).toThrow('LOG_LEVEL: "loud" is not one of debug, info, warn, error');
  expect(() => configFromEnv({ SEDNA_LOG_LEVEL: 'fatal' })).toThrow('SEDNA_LOG_LEVEL: "fatal" is not one of debug, info, warn, error');
  expect(() => configFromEnv({ S3_ENDPOINT_URL: 'ftp://x' })).toThrow('S3_ENDPOINT_URL: "ftp://x" is not an http or https URL');
  expect(() => configFromEnv({ S3_FORCE_PATH_STYLE: 'maybe' })).toThrow('S3_FORCE_PATH_STYLE: "maybe" is not a boolean (true/false, 1/0)');
  expect(() => configFromEnv({ INDIRECT_URL_MARK: '' })).toThrow('INDIRECT_URL_MARK: is empty');
});

test('errors about secrets never show the secret', () => {
  expect(() => configFromEnv({ ACCESS_KEY_ID: 'only-the-key' })).toThrow(
    'SECRET_ACCESS_KEY: is empty while ACCESS_KEY_ID is set: set both S3 keys, or neither for anonymous access',
  );
  let message = '';
  try {
    configFromEnv({ 'h-headers': '{"Authorization": "Bearer tok' });
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message).toBe('h-headers: is not a JSON object of header names to values (value not shown)');
  expect(() => configFromEnv({ S3_ENDPOINT_URL: 'http://user:pw@minio:9000' })).toThrow('credentials belong in ACCESS_KEY_ID and SECRET_ACCESS_KEY');
});
