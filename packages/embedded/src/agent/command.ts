import path from 'node:path';
import { type V1Container } from '@kubernetes/client-node';
import { NodeAgentError } from './errors.js';

/** The interpreters used to run a script named by `args[0]` when a container has no `command`. */
export interface Interpreters {
  /** For `.js`, `.mjs`, `.cjs` (default: the agent's own Node binary). */
  node: string[];
  /** For `.ts`, `.mts`, `.cts` (default: the tsx found in the project's node_modules). */
  tsx: string[];
  /** For `.py` (default: `python3` on PATH). */
  python: string[];
}

/** A process to start: the executable and its arguments. */
export interface ResolvedCommand {
  file: string;
  args: string[];
  /**
   * Set when the container names an image the image map does not know and its script runs with the
   * interpreter of its extension instead: the image, for the event and the message that say so.
   */
  unmappedImage?: string;
}

const EXTENSION_INTERPRETER: Record<string, keyof Interpreters> = {
  '.js': 'node',
  '.mjs': 'node',
  '.cjs': 'node',
  '.ts': 'tsx',
  '.mts': 'tsx',
  '.cts': 'tsx',
  '.py': 'python',
};

/**
 * Expands Kubernetes `$(VAR)` references the way the kubelet does: a defined variable is replaced by
 * its value, an undefined one is left as written, and `$$` stands for a literal `$`.
 */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const c = input[i] as string;
    const next = input[i + 1];
    if (c !== '$' || next === undefined) {
      out += c;
    } else if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const value = lookup(input.slice(i + 2, close));
      out += value ?? input.slice(i, close + 1);
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

/** The image reference without its tag and digest: `reg:5000/a/b:v1@sha256:..` gives `reg:5000/a/b`. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0] as string;
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(0, colon) : noDigest;
}

/**
 * Finds the local command prefix for an image: the entry for the exact image, else the entry for its
 * repository without tag or digest (so a map key `kubeedge/sedna-storage-initializer` covers every tag).
 */
export function lookupImageCommand(
  imageCommands: Readonly<Record<string, readonly string[]>>,
  image: string | undefined,
): readonly string[] | undefined {
  if (!image) return undefined;
  return imageCommands[image] ?? imageCommands[imageRepository(image)];
}

/**
 * Decides what process runs for a container, after `$(VAR)` expansion:
 * 1. `command` + `args` when `command` is set;
 * 2. else the image's mapped command + `args` when the image is in `imageCommands`;
 * 3. else the interpreter for the extension of `args[0]` (node, tsx or python3) + `args`.
 *
 * @param where names the container in errors, e.g. `Pod default/train: spec.containers[0]`.
 * @throws NodeAgentError `UnresolvableCommand` when none of the three applies.
 */
export function resolveCommand(
  container: Pick<V1Container, 'command' | 'args' | 'image'>,
  where: string,
  imageCommands: Readonly<Record<string, readonly string[]>>,
  interpreters: Interpreters,
): ResolvedCommand {
  const command = container.command ?? [];
  const args = container.args ?? [];
  let argv: string[];
  let unmappedImage: string | undefined;
  if (command.length > 0) {
    argv = [...command, ...args];
  } else {
    const mapped = lookupImageCommand(imageCommands, container.image);
    if (mapped && mapped.length > 0) {
      argv = [...mapped, ...args];
    } else {
      const script = args[0];
      const kind = script === undefined ? undefined : EXTENSION_INTERPRETER[path.extname(script).toLowerCase()];
      if (kind === undefined) {
        throw new NodeAgentError(
          'UnresolvableCommand',
          `${where}: command is empty, image ${JSON.stringify(container.image ?? '')} is not in the image map ` +
            `and args[0] ${JSON.stringify(script ?? '')} has no known extension (.js, .mjs, .cjs, .ts, .mts, .cts, .py)`,
        );
      }
      argv = [...interpreters[kind], ...args];
      if (container.image) unmappedImage = container.image;
    }
  }
  const [file, ...rest] = argv;
  if (!file) throw new NodeAgentError('UnresolvableCommand', `${where}: the command resolves to an empty executable name`);
  return { file, args: rest, ...(unmappedImage === undefined ? {} : { unmappedImage }) };
}
