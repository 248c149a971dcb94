/**
 * How this LC proves its node to the GM, and the key of its workers' tokens. Two ways:
 * - a node token given in the config (`SEDNA_NODE_TOKEN`, what `sedna up` hands its LC): sent as the
 *   bearer token and used as the key of the worker tokens;
 * - a token file (`SEDNA_LC_TOKEN_FILE`, on a cluster the projected ServiceAccount token with audience
 *   `sedna-gm`): read again at every connection (the kubelet rotates it), sent as the bearer token; the
 *   GM checks it with a TokenReview and sends the node token in its hello. That node token is kept in
 *   `<dataDir>/node-token` (0600, temp file + rename, tightened to 0600 at every start), so worker
 *   reports are still checked after a restart while the GM is unreachable.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tightenPrivateFilesSync, writeFileAtomic, type PrivateFilesLogger } from '@sedna-ts/internal';
import { LocalControllerError } from '../errors.js';

const NODE_TOKEN_FILE = 'node-token';

/** See the module comment. */
export class NodeCredential {
  private constructor(
    private readonly tokenFile: string | undefined,
    private key: string | undefined,
    private readonly dataDir: string,
  ) {}

  /**
   * The credential of a config: its node token, or its token file and the node token learnt before.
   * A kept node token an earlier release left readable by others is made 0600 first (`logger` says so).
   */
  static async open(options: { nodeToken?: string; tokenFile?: string; dataDir: string; logger?: PrivateFilesLogger }): Promise<NodeCredential> {
    tightenPrivateFilesSync(join(options.dataDir, NODE_TOKEN_FILE), options.logger ? { logger: options.logger } : {});
    if (options.nodeToken !== undefined) return new NodeCredential(undefined, options.nodeToken, options.dataDir);
    let learnt: string | undefined;
    try {
      learnt = (await readFile(join(options.dataDir, NODE_TOKEN_FILE), 'utf8')).trim() || undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new NodeCredential(options.tokenFile, learnt, options.dataDir);
  }

  /** Whether the GM is to tell this LC its node token (token-file mode). */
  get learnsNodeToken(): boolean {
    return this.tokenFile !== undefined;
  }

  /**
   * The bearer token for the next connection to the GM.
   *
   * @throws LocalControllerError `CONFIG_INVALID` when the token file cannot be read or is empty.
   */
  async bearer(): Promise<string> {
    if (this.tokenFile === undefined) return this.key as string;
    let text: string;
    try {
      text = await readFile(this.tokenFile, 'utf8');
    } catch (error) {
      throw new LocalControllerError('CONFIG_INVALID', `LC config: tokenFile: ${JSON.stringify(this.tokenFile)} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    const token = text.trim();
    if (token === '') throw new LocalControllerError('CONFIG_INVALID', `LC config: tokenFile: ${JSON.stringify(this.tokenFile)} is empty`);
    return token;
  }

  /** The key of the worker tokens: the node token, or undefined while the GM has not told it yet. */
  get workerKey(): string | undefined {
    return this.key;
  }

  /** Takes the node token of a GM hello (token-file mode only), and keeps it for the next start. */
  async learn(nodeToken: string | undefined): Promise<void> {
    if (!this.learnsNodeToken || nodeToken === undefined || nodeToken === '' || nodeToken === this.key) return;
    await writeFileAtomic(join(this.dataDir, NODE_TOKEN_FILE), `${nodeToken}\n`, { mode: 0o600 });
    this.key = nodeToken;
  }
}
