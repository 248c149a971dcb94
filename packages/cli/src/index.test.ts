import * as cli from './index.js';

test('the public runtime surface is exactly this list', () => {
  expect(Object.keys(cli).sort()).toEqual(
    [
      'COMMANDS',
      'CliError',
      'ExitCode',
      'MANIFEST_EXTENSIONS',
      'STDIN_NAME',
      'VERSION',
      'createProgram',
      'crdsCommand',
      'formatIssueLine',
      'main',
      'processIo',
      'readInputs',
      'runCrds',
      'runValidate',
      'toCliError',
      'validateCommand',
    ].sort(),
  );
});

test('exit codes are the documented ones', () => {
  expect(cli.ExitCode).toEqual({ Ok: 0, Invalid: 1, Usage: 2, NotFound: 3, Unreachable: 4 });
  expect(new cli.CliError('UNREACHABLE', 'x').exitCode).toBe(4);
  expect(cli.toCliError(new Error('boom'))).toMatchObject({ code: 'INTERNAL', exitCode: 1, message: 'boom' });
});

test('every verb is registered once, by its own module', () => {
  expect(cli.COMMANDS.map((c) => c.name)).toEqual(['validate', 'crds']);
});
