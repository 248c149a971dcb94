// `sedna completion bash` sourced in a real bash, completing with the built executable as `sedna` on PATH.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageDir, run } from './helpers.js';
import { startTestServer, type TestServer } from './server.js';

const exec = promisify(execFile);
const bashPath = ['/bin/bash', '/usr/bin/bash'].find((p) => fs.existsSync(p));
if (!bashPath) console.warn('bash is not installed: skipping the bash completion tests');
const maybe = bashPath ? describe : describe.skip;

let t: TestServer;
let shimDir: string;
beforeAll(async () => {
  t = await startTestServer();
  expect((await t.sedna(['apply', '-f', '-'], { stdin: 'apiVersion: sedna.io/v1alpha1\nkind: Model\nmetadata: {name: helmet-model}\nspec: {url: /m/model.onnx, format: onnx}\n' })).code).toBe(0);
  // `sedna` on PATH, as npm links it: the built executable.
  shimDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sedna-cli-completion-'));
  fs.writeFileSync(path.join(shimDir, 'sedna'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(packageDir, 'dist/bin.js')}" "$@"\n`, { mode: 0o755 });
});
afterAll(async () => {
  await t.close();
  fs.rmSync(shimDir, { recursive: true, force: true });
});

/**
 * What bash offers for the command line `words` (the last one being completed; split at `=` and `:` as
 * bash splits them), with the script sourced; the `compopt` it asks for as `compopt ARGS` lines.
 */
async function complete(words: string[]): Promise<string[]> {
  const script = (await run(['completion', 'bash'])).stdout;
  const line = ['sedna', ...words];
  const program = [
    script,
    // compopt works only inside a real completion: show what the script asks of it.
    'compopt() { printf "compopt %s %s\\n" "$1" "$2"; }',
    `COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${line.length - 1}`,
    '_sedna_complete',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const { stdout } = await exec(bashPath!, ['--noprofile', '--norc', '-c', program], { env: { PATH: `${shimDir}:${process.env.PATH ?? ''}`, HOME: t.dir } });
  return stdout.split('\n').filter((l) => l && l !== 'compopt -o default');
}

maybe('bash completion', () => {
  test('the script registers the completion for sedna', async () => {
    const script = (await run(['completion', 'bash'])).stdout;
    const { stdout } = await exec(bashPath!, ['--noprofile', '--norc', '-c', `${script}\ncomplete -p sedna`]);
    expect(stdout.trim()).toBe('complete -F _sedna_complete sedna');
  });

  test('verbs', async () => {
    expect(await complete(['de'])).toEqual(['delete', 'describe']);
    expect(await complete(['w'])).toEqual(['wait']);
    expect(await complete([''])).toEqual(expect.arrayContaining(['apply', 'get', 'up', 'status', 'down', 'version', 'completion', 'wait']));
  });

  test('kinds from the server, then names; the options of a verb and their values', async () => {
    const kc = ['--kubeconfig', t.kubeconfig];
    expect(await complete([...kc, 'get', 'incr'])).toEqual(['incrementaljob', 'incrementallearningjobs']);
    expect(await complete([...kc, 'get', 'mod'])).toEqual(['models']);
    expect(await complete([...kc, 'describe', 'models', 'hel'])).toEqual(['helmet-model']);
    expect(await complete([...kc, 'get', 'models', '--sort'])).toEqual(['--sort-by']);
    expect(await complete(['get', 'models', '-o', 'js'])).toEqual(['compopt -o nospace', 'json', 'jsonpath=']);
    expect(await complete(['completion', ''])).toEqual(['bash', 'fish', 'zsh']);
  });

  test('after = (bash splits --for=x into --for, =, x): the values, only the part after =; no space after a value ending in =', async () => {
    const kc = ['--kubeconfig', t.kubeconfig];
    expect(await complete(['wait', 'helmet', '--for', '=', ''])).toEqual(['compopt -o nospace', 'delete', 'jsonpath=', 'stage=Deploy,type=', 'stage=Eval,type=', 'stage=Train,type=']);
    expect(await complete(['wait', 'helmet', '--for', '=', 'stage', '=', 'E'])).toEqual(['compopt -o nospace', 'Eval,type=']);
    expect(await complete([...kc, 'get', 'models', '--namespace', '=', 'def'])).toEqual(['default']);
    expect(await complete([...kc, 'get', 'models', '--context', '=', ''])).toEqual(['sedna-embedded']);
    expect(await complete([...kc, 'get', 'models', '-o', 'custom-col'])).toEqual(['compopt -o nospace', 'custom-columns=']);
  });

  test('without a server, the Sedna kinds', async () => {
    expect(await complete(['--data-dir', path.join(t.dir, 'none'), 'get', 'l'])).toEqual(['lifelonglearningjobs', 'll']);
  });
});

test('zsh and fish scripts; another shell is a usage error', async () => {
  expect((await run(['completion', 'zsh'])).stdout).toContain('compdef _sedna sedna');
  expect((await run(['completion', 'fish'])).stdout).toContain("complete -c sedna -f -a '(__sedna_complete)'");
  expect(await run(['completion', 'tcsh'])).toEqual({ code: 2, stdout: '', stderr: 'sedna: completion "tcsh": expected bash, zsh, fish\n' });
});
