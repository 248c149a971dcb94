/** Flags several verbs share, declared once so they read the same in every `--help`. */
import type { Command } from 'commander';

/** Collects the values of a repeatable option. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Adds `-n` (and `-A` unless `all` is false) to a command. */
export function namespaceFlags(command: Command, all = true): Command {
  command.option('-n, --namespace <ns>', 'namespace (default: the kubeconfig context\'s, else "default")');
  if (all) command.option('-A, --all-namespaces', 'every namespace');
  return command;
}

/** Adds `-f PATH` (repeatable) and `-R` to a command. */
export function fileFlags(command: Command): Command {
  return command
    .option('-f, --filename <path>', 'a file, a folder of *.yaml/*.yml/*.json, or - for stdin (repeatable)', collect, [])
    .option('-R, --recursive', 'also read the sub-folders of a folder');
}
