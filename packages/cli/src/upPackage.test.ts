import { CliError } from './errors.js';
import { loadSednaUp, UP_PACKAGE } from './upPackage.js';

/** An import that fails as Node's does for a package that is not installed. */
const notInstalled = (name: string) => async () => {
  throw Object.assign(new Error(`Cannot find package '${name}' imported from /usr/lib/node_modules/@sedna-ts/cli/dist/bin.js`), { code: 'ERR_MODULE_NOT_FOUND' });
};

test('@sedna-ts/up missing: a CliError naming the package and the command that installs it (exit 1)', async () => {
  const error = await loadSednaUp(notInstalled(UP_PACKAGE)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).message).toBe(
    'sedna up needs the package @sedna-ts/up, which is not installed: npm install -g @sedna-ts/up (or `npm install @sedna-ts/up` in the project of @sedna-ts/cli)',
  );
  expect((error as CliError).exitCode).toBe(1);
});

test('a dependency of @sedna-ts/up missing is said as such, not as @sedna-ts/up missing', async () => {
  const error = await loadSednaUp(notInstalled('lmdb')).catch((e: unknown) => e);
  expect((error as CliError).message).toBe(
    "@sedna-ts/up is installed but could not be loaded: Cannot find package 'lmdb' imported from /usr/lib/node_modules/@sedna-ts/cli/dist/bin.js",
  );
});

test('a package without startSedna is refused; the real one loads', async () => {
  await expect(loadSednaUp(async () => ({}))).rejects.toThrow('@sedna-ts/up has no startSedna');
  const startSedna = async () => {
    throw new Error('not called');
  };
  await expect(loadSednaUp(async () => ({ startSedna }))).resolves.toEqual({ startSedna });
});
