/**
 * `sedna completion bash|zsh|fish`: a shell script that completes verbs, options, kinds and object
 * names. The script asks `sedna __complete WORD...` (a hidden verb) for the candidates of the last word,
 * (after `--`, so options reach it as words), so every shell completes the same things: the verbs; a verb's options; after `get`, `describe` and
 * `delete` the kinds the server serves (the Sedna kinds when it cannot be reached) and then the names
 * of that kind; after `trigger`, `rollback`, `logs` and `wait` the learning jobs; `-o`'s formats, `-n`'s
 * namespaces and `--context`'s contexts. A lookup on the server gives up after 2 s and then offers nothing.
 */
import { LEARNING_JOB_KINDS, SEDNA_KINDS } from '@sedna-ts/api-types';
import type { Command, Option } from 'commander';
import type { CommandModule } from '../command.js';
import { collectionPath } from '../discovery.js';
import { CliError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { CliIo } from '../io.js';
import { OUTPUT_FORMATS } from '../printers.js';
import type { ServerOptions } from '../server.js';
import { withSession, type Session } from '../session.js';

/** The shells a script is written for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

const BASH = `# sedna completion for bash. Load it with: source <(sedna completion bash)
_sedna_complete() {
  local IFS=$'\\n' i w cur="\${COMP_WORDS[COMP_CWORD]}" full prefix
  local -a words=() candidates=()
  # bash splits words at COMP_WORDBREAKS (--for=delete is --for, =, delete): join them back as sedna sees them.
  for (( i=1; i<=COMP_CWORD; i++ )); do
    w="\${COMP_WORDS[i]}"
    if (( \${#words[@]} > 0 )) && [[ "$w" == [=:]* || "\${words[\${#words[@]}-1]}" == *[=:] ]]; then
      words[\${#words[@]}-1]+="$w"
    else
      words+=("$w")
    fi
  done
  full="\${words[\${#words[@]}-1]}"
  # What bash replaces is the part after the last = or :; the candidates are for the whole word.
  [[ "$cur" == [=:] ]] && cur=""
  prefix="\${full%"$cur"}"
  candidates=($(sedna __complete -- "\${words[@]}" 2>/dev/null))
  COMPREPLY=()
  for w in "\${candidates[@]}"; do
    [[ "$w" == "$prefix"* ]] && COMPREPLY+=("\${w#"$prefix"}")
  done
  # A candidate ending in = (custom-columns=, --for=stage=Train,type=) wants its value right after it.
  for w in "\${COMPREPLY[@]}"; do
    [[ "$w" == *= ]] && compopt -o nospace 2>/dev/null && break
  done
  # Nothing offered (a file name is wanted, e.g. after -f): complete file names.
  if [[ \${#COMPREPLY[@]} -eq 0 ]]; then
    compopt -o default 2>/dev/null
  fi
}
complete -F _sedna_complete sedna
`;

const ZSH = `#compdef sedna
# sedna completion for zsh. Load it with: source <(sedna completion zsh) (after compinit)
_sedna() {
  local -a candidates
  candidates=("\${(@f)$(sedna __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if (( \${#candidates} )) && [[ -n "\${candidates[1]}" ]]; then
    compadd -a candidates
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" = "_sedna" ]]; then
  _sedna "$@"
else
  compdef _sedna sedna
fi
`;

const FISH = `# sedna completion for fish. Load it with: sedna completion fish | source
function __sedna_complete
    set -l tokens (commandline -opc) (commandline -ct)
    sedna __complete -- $tokens[2..-1] 2>/dev/null
end
complete -c sedna -f -a '(__sedna_complete)'
`;

/** The completion script for `shell`. @throws CliError USAGE for another shell. */
export function completionScript(shell: string): string {
  if (shell === 'bash') return BASH;
  if (shell === 'zsh') return ZSH;
  if (shell === 'fish') return FISH;
  throw new CliError('USAGE', `completion ${JSON.stringify(shell)}: expected ${SHELLS.join(', ')}`);
}

/** The options' long and short names, and which take a value. */
function optionNames(options: readonly Option[]): { names: string[]; withValue: Set<string> } {
  const names: string[] = [];
  const withValue = new Set<string>();
  for (const o of options) {
    for (const n of [o.long, o.short]) {
      if (!n) continue;
      names.push(n);
      if (o.required || o.optional) withValue.add(n);
    }
  }
  return { names, withValue };
}

/** The value of `--flag VALUE` or `--flag=VALUE` among `words`. */
function flagValue(words: readonly string[], ...flags: string[]): string | undefined {
  for (let i = words.length - 1; i >= 0; i--) {
    const w = words[i]!;
    for (const f of flags) {
      if (w === f && i + 1 < words.length) return words[i + 1];
      if (w.startsWith(`${f}=`)) return w.slice(f.length + 1);
    }
  }
  return undefined;
}

/** A lookup on the server, or nothing when it cannot be made in 2 s. */
async function fromServer(words: readonly string[], io: CliIo, fn: (session: Session, namespace: string) => Promise<string[]>): Promise<string[]> {
  const options: ServerOptions = { kubeconfig: flagValue(words, '--kubeconfig'), dataDir: flagValue(words, '--data-dir'), context: flagValue(words, '--context'), requestTimeout: '2s' };
  const quiet: CliIo = { ...io, stdout: { write: () => undefined }, stderr: { write: () => undefined } };
  try {
    return await withSession(options, quiet, (session) => fn(session, session.namespace({ namespace: flagValue(words, '-n', '--namespace') })));
  } catch {
    return [];
  }
}

async function names(session: Session, kind: string, namespace: string): Promise<string[]> {
  const r = await session.resolve(kind);
  const list = await session.client.get<{ items?: Array<{ metadata?: { name?: string } }> }>(collectionPath(r, r.namespaced ? namespace : undefined));
  return (list.items ?? []).map((o) => o.metadata?.name ?? '').filter(Boolean);
}

/** The kinds to offer: what the server serves (plural and short names), else the Sedna kinds. */
async function kinds(words: readonly string[], io: CliIo): Promise<string[]> {
  const served = await fromServer(words, io, async (session) => (await session.resources()).resources.flatMap((r) => (r.verbs.includes('list') ? [r.resource, ...r.shortNames] : [])));
  return served.length > 0 ? served : SEDNA_KINDS.flatMap((k) => [k.plural, ...k.shortNames]);
}

/** The learning jobs of the namespace, as NAME (or KIND/NAME when typed so). */
async function jobs(words: readonly string[], io: CliIo, current: string): Promise<string[]> {
  const slash = current.indexOf('/');
  return fromServer(words, io, async (session, namespace) => {
    if (slash > 0) return (await names(session, current.slice(0, slash), namespace)).map((n) => `${current.slice(0, slash)}/${n}`);
    const out: string[] = [];
    for (const k of LEARNING_JOB_KINDS) out.push(...(await names(session, k.plural, namespace).catch(() => [])));
    return out;
  });
}

/**
 * The candidates for the last of `words` (the words after `sedna`, the last being completed, maybe empty).
 *
 * @example
 * await completions(program, ['get', 'da'], io); // ['datasets']
 */
export async function completions(program: Command, words: readonly string[], io: CliIo): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const global = optionNames(program.options);
  const verbs = program.commands.filter((c) => c.name() !== '__complete');
  // The verb and the positional arguments typed before the current word.
  let verb: Command | undefined;
  const positionals: string[] = [];
  let skipValue = false;
  let valueOf: string | undefined;
  for (const w of before) {
    const opts = optionNames([...program.options, ...(verb?.options ?? [])]);
    if (skipValue) {
      skipValue = false;
      continue;
    }
    if (w.startsWith('-')) {
      if (!w.includes('=') && opts.withValue.has(w)) skipValue = true;
      continue;
    }
    if (!verb) verb = verbs.find((c) => c.name() === w || c.aliases().includes(w));
    else positionals.push(w);
  }
  if (skipValue) valueOf = before[before.length - 1];
  const match = (list: readonly string[], typed = current) => [...new Set(list)].filter((c) => c.startsWith(typed)).sort();

  const values = async (flag: string): Promise<string[]> => {
    if (flag === '-o' || flag === '--output') return verb?.name() === 'get' ? OUTPUT_FORMATS.map((f) => (f === 'jsonpath' || f === 'custom-columns' ? `${f}=` : f)) : ['json', 'yaml'];
    if (flag === '-n' || flag === '--namespace') return fromServer(words.slice(0, -1), io, (s) => names(s, 'namespaces', ''));
    if (flag === '--context') return fromServer(words.filter((w) => w !== '--context' && !w.startsWith('--context=')), io, async (s) => s.client.kubeConfig.getContexts().map((c) => c.name));
    if (flag === '--stage') return ['train', 'eval', 'deploy'];
    if (flag === '--for') return ['delete', 'jsonpath=', 'stage=Train,type=', 'stage=Eval,type=', 'stage=Deploy,type='];
    return []; // a file, a folder, a number: the shell's own completion
  };
  if (valueOf !== undefined) return match(await values(valueOf));
  // --flag=VALUE: the values of the flag, with the flag in front (the shell keeps what it typed).
  const equals = current.indexOf('=');
  if (current.startsWith('-') && equals > 0) {
    const flag = current.slice(0, equals);
    if (!optionNames([...program.options, ...(verb?.options ?? [])]).withValue.has(flag)) return [];
    return match(await values(flag), current.slice(equals + 1)).map((v) => `${flag}=${v}`);
  }
  if (current.startsWith('-')) return match([...global.names, ...optionNames(verb?.options ?? []).names, '--help']);
  if (!verb) return match([...verbs.map((c) => c.name()), 'help']);
  switch (verb.name()) {
    case 'get':
    case 'describe':
    case 'delete':
      if (positionals.length === 0) {
        // `describe KIND/NAME`: names after the slash.
        const slash = current.indexOf('/');
        if (slash > 0) return match(await fromServer(words, io, async (s, ns) => (await names(s, current.slice(0, slash), ns)).map((n) => `${current.slice(0, slash)}/${n}`)));
        return match(await kinds(words, io));
      }
      return match(await fromServer(words, io, (s, ns) => names(s, positionals[0]!.split(',')[0]!, ns)));
    case 'trigger':
      return positionals.length === 0 ? match(['train', 'eval', 'deploy']) : positionals.length === 1 ? match(await jobs(words, io, current)) : [];
    case 'rollback':
    case 'logs':
    case 'wait':
      return positionals.length === 0 ? match(await jobs(words, io, current)) : [];
    case 'completion':
      return positionals.length === 0 ? match(SHELLS) : [];
    case 'help':
      return positionals.length === 0 ? match(verbs.map((c) => c.name())) : [];
    default:
      return [];
  }
}

/** The `completion` verb, and the hidden `__complete` its scripts call. */
export const completionCommand: CommandModule = {
  name: 'completion',
  register(program, io, exit) {
    program
      .command('completion')
      .description('print a shell completion script (verbs, options, kinds, names): source <(sedna completion bash)')
      .argument('<shell>', SHELLS.join(', '))
      .addHelpText('after', '\nbash: source <(sedna completion bash) (in ~/.bashrc)\nzsh:  source <(sedna completion zsh) (after compinit)\nfish: sedna completion fish | source')
      .action((shell: string) => {
        io.stdout.write(completionScript(shell));
        exit(ExitCode.Ok);
      });
    program
      .command('__complete', { hidden: true })
      .description('the candidates for the last word (used by the completion scripts)')
      .argument('[words...]')
      .allowUnknownOption()
      .helpOption(false)
      .action(async (words: string[]) => {
        for (const c of await completions(program, words.length > 0 ? words : [''], io)) io.stdout.write(`${c}\n`);
        exit(ExitCode.Ok);
      });
  },
};
