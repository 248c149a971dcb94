/** The shapes every source shares: what a transfer wrote, and who saves a downloaded file. */

/** What a transfer wrote. */
export interface Transferred {
  files: number;
  bytes: number;
}

/**
 * Saves one downloaded file named `name` in the destination: `write` fills the file path it is given
 * and resolves to its bytes; the receiver decides where (a temporary name, then renamed, or extracted
 * when it is an archive). Errors of `write` come out unchanged.
 */
export type ReceiveFile = (name: string, write: (file: string) => Promise<number>) => Promise<Transferred>;
