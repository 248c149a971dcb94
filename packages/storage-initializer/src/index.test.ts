import { readFileSync } from 'node:fs';
import * as api from './index.js';
import * as contract from './contract.js';

test('the public runtime surface is exactly this list', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'CONFIG_ENV',
      'DOWNLOADS_DIR',
      'ENV',
      'ExitCode',
      'INDIRECT_URL_MARK',
      'Redactor',
      'STORAGE_INITIALIZER_CONTAINER_NAME',
      'STORAGE_INITIALIZER_IMAGE',
      'StorageInitializerError',
      'VERSION',
      'archiveKind',
      'configFromEnv',
      'createLineLogger',
      'createS3Client',
      'download',
      'extractArchive',
      'formatInitializerArgs',
      'helpText',
      'indirectDownload',
      'main',
      'parseIndexFile',
      'parseInitializerArgs',
      'parseSourceUri',
      'runInitializer',
      'storageInitializerCommand',
      'toStorageInitializerError',
    ].sort(),
  );
});

test('the contract subpath is exactly this list, and the main entry re-exports all of it', () => {
  const names = Object.keys(contract).sort();
  expect(names).toEqual(
    [
      'DOWNLOADS_DIR',
      'ENV',
      'INDIRECT_URL_MARK',
      'STORAGE_INITIALIZER_CONTAINER_NAME',
      'STORAGE_INITIALIZER_IMAGE',
      'formatInitializerArgs',
      'parseInitializerArgs',
      'storageInitializerCommand',
    ].sort(),
  );
  for (const name of names) expect(api[name as keyof typeof api]).toBe(contract[name as keyof typeof contract]);
});

test('VERSION is the package.json version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  expect(api.VERSION).toBe(pkg.version);
});
