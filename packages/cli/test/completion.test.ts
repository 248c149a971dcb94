// `sedna completion bash|zsh|fish` in a real bash, zsh and fish, completing with the built executable as
// `sedna` on PATH. zsh and fish are not on every machine (nor needed by CI): their tests are skipped,
// saying so, when the shell is absent (`apt-get install zsh fish` to run them).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packageDir, run } from './helpers.js';
import { startTestServer, type TestServer } from './server.js';

const exec = promisify(execFile);
/** The path of a shell, or undefined (with a line saying its tests are skipped) when it is not installed. */
function shell(name: string): string | undefined {
  const found = [`/bin/${name}`, `/usr/bin/${name}`, `/usr/local/bin/${name}`].find((p) => fs.existsSync(p));
  if (!found) console.warn(`${name} is not installed: skipping the ${name} completion tests (apt-get install ${name} to run them)`);
  return found;
}
const bashPath = shell('bash');
const zshPath = shell('zsh');
const fishPath = shell('fish');
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

/** Runs `program` in `shellPath` with the built `sedna` first on PATH and HOME in the test server's folder. */
async function inShell(shellPath: string, args: string[]): Promise<string> {
  const { stdout } = await exec(shellPath, args, { env: { PATH: `${shimDir}:${process.env.PATH ?? ''}`, HOME: t.dir } });
  return stdout;
}

(zshPath ? describe : describe.skip)('zsh completion', () => {
  let script: string;
  beforeAll(async () => {
    script = path.join(shimDir, 'sedna.zsh');
    fs.writeFileSync(script, (await run(['completion', 'zsh'])).stdout);
  });
  /**
   * What `_sedna` offers for the command line `words` (after `sedna`, the last being completed): zsh's
   * `compadd` and `_files` work only inside a real completion, so they print what they are given.
   */
  const complete = async (words: string[], load = `source ${script}`): Promise<string[]> => {
    const line = ['sedna', ...words].map((w) => `'${w}'`).join(' ');
    const program = [
      load,
      'compadd() { [[ $1 == -a ]] && print -l -- "${(@P)2}" }',
      '_files() { print -r -- "(files)" }',
      `words=(${line})`,
      `CURRENT=${words.length + 1}`,
      '_sedna',
    ].join('\n');
    return (await inShell(zshPath!, ['-f', '-c', `compdef() { : }\n${program}`])).split('\n').filter(Boolean);
  };

  test('the script parses (zsh -n) and, sourced after compinit, registers _sedna for sedna', async () => {
    await inShell(zshPath!, ['-n', script]);
    expect((await inShell(zshPath!, ['-f', '-c', `autoload -U compinit && compinit -D -u && source ${script} && print -r -- "$_comps[sedna]"`])).trim()).toBe('_sedna');
  });

  test('verbs; kinds from the server; files when nothing is offered', async () => {
    expect(await complete(['de'])).toEqual(['delete', 'describe']);
    expect(await complete(['--kubeconfig', t.kubeconfig, 'get', 'mod'])).toEqual(['models']);
    expect(await complete(['apply', '-f', ''])).toEqual(['(files)']);
  });

  test('installed as _sedna in fpath (its #compdef line), autoloaded, it completes the same', async () => {
    const fpath = fs.mkdtempSync(path.join(shimDir, 'fpath-'));
    fs.copyFileSync(script, path.join(fpath, '_sedna'));
    expect(await complete(['completion', ''], `fpath=(${fpath} $fpath); autoload -U _sedna`)).toEqual(['bash', 'fish', 'zsh']);
  });
});

(fishPath ? describe : describe.skip)('fish completion', () => {
  let script: string;
  beforeAll(async () => {
    script = path.join(shimDir, 'sedna.fish');
    fs.writeFileSync(script, (await run(['completion', 'fish'])).stdout);
  });
  /** What fish itself completes for `line` (`complete -C`), the script sourced. */
  const complete = async (line: string): Promise<string[]> => (await inShell(fishPath!, ['--no-config', '-c', `source ${script}; complete -C${JSON.stringify(line)}`])).split('\n').filter(Boolean);

  test('the script parses (fish -n)', async () => {
    await inShell(fishPath!, ['-n', script]);
  });

  test('verbs, and kinds from the server', async () => {
    expect(await complete('sedna de')).toEqual(['delete', 'describe']);
    expect(await complete(`sedna --kubeconfig ${t.kubeconfig} get mod`)).toEqual(['models']);
  });
});
