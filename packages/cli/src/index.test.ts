import * as cli from './index.js';

test('the public runtime surface is exactly this list', () => {
  expect(Object.keys(cli).sort()).toEqual(
    [
      'COMMANDS',
      'CliError',
      'DATA_DIR_FILES',
      'DEFAULT_NODE_NAME',
      'Discovery',
      'ExitCode',
      'KubeClient',
      'MANIFEST_EXTENSIONS',
      'STDIN_NAME',
      'TABLE_ACCEPT',
      'TRIGGER_ANNOTATION',
      'TRIGGER_STAGES',
      'VERSION',
      'apiVersionOf',
      'applyCommand',
      'collectionPath',
      'createProgram',
      'crdsCommand',
      'deleteCommand',
      'describeCommand',
      'displayKind',
      'formatIssueLine',
      'getCommand',
      'isSednaDocument',
      'loadKubeConfig',
      'logsCommand',
      'looksLikeSednaUp',
      'main',
      'objectPath',
      'processIo',
      'readyMessage',
      'readInputs',
      'readManifests',
      'registerCrds',
      'resolveDataDir',
      'resolveServer',
      'runApply',
      'runCrds',
      'runDelete',
      'runDescribe',
      'runGet',
      'runLogs',
      'runTrigger',
      'runUp',
      'runValidate',
      'loadSednaUp',
      'UP_PACKAGE',
      'UP_INSTALL_COMMAND',
      'LOGS_DIR',
      'UP_LOCK_FILE',
      'clock',
      'toCliError',
      'triggerCommand',
      'triggerOutlook',
      'upCommand',
      'validateCommand',
    ].sort(),
  );
});

test('exit codes are the documented ones', () => {
  expect(cli.ExitCode).toEqual({ Ok: 0, Invalid: 1, Usage: 2, NotFound: 3, Unreachable: 4, Timeout: 5 });
  expect(new cli.CliError('UNREACHABLE', 'x').exitCode).toBe(4);
  expect(cli.toCliError(new Error('boom'))).toMatchObject({ code: 'INTERNAL', exitCode: 1, message: 'boom' });
});

test('every verb is registered once, by its own module', () => {
  expect(cli.COMMANDS.map((c) => c.name)).toEqual(['up', 'status', 'down', 'apply', 'get', 'describe', 'delete', 'trigger', 'rollback', 'wait', 'logs', 'validate', 'crds', 'version', 'completion']);
});
