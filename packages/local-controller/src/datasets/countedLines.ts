/**
 * The memory of the lines a Dataset's index ever had counted, by content and with multiplicity: a
 * 64-bit hash of each line's exact bytes (two 32-bit MurmurHash3 with different seeds). On disk it is
 * an append-only file of 8-byte hashes, one per counted line (a line counted twice is there twice); in
 * memory, while an index that was replaced, truncated or rewritten is compared with it, an
 * open-addressing table of (hash, count) in typed arrays: 13 bytes a slot, at most 3/4 full, so 17 to 35
 * bytes per distinct line (about 26 MB per million lines; see bench/dataset-monitor).
 *
 * Two different lines share a hash with a probability of about n^2 / 2^65: 3e-8 for a million lines.
 */

function murmur32(bytes: Uint8Array, seed: number): number {
  let h = seed >>> 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = (bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = n & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= (bytes[blocks + 2] as number) << 16;
    if (rest >= 2) k ^= (bytes[blocks + 1] as number) << 8;
    k ^= bytes[blocks] as number;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The 8-byte hash of a line's bytes (as stored in the counted-lines file). */
export function lineHash(bytes: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32LE(murmur32(bytes, 0x9747b28c), 0);
  out.writeUInt32LE(murmur32(bytes, 0x5bd1e995), 4);
  return out;
}

/** A multiset of line hashes: how many times each was counted and not matched yet. */
export class CountedLines {
  private lo = new Uint32Array(0);
  private hi = new Uint32Array(0);
  private counts = new Uint32Array(0);
  private used = new Uint8Array(0);
  private slots = 0;
  private distinct = 0;
  /** Sum of the counts. */
  size = 0;

  /** Add every hash of a counted-lines file's bytes (8 bytes each). */
  addAll(hashes: Buffer): void {
    for (let i = 0; i + 8 <= hashes.length; i += 8) this.add(hashes.readUInt32LE(i), hashes.readUInt32LE(i + 4));
  }

  /** Add one occurrence of a line. */
  addLine(bytes: Uint8Array): void {
    const h = lineHash(bytes);
    this.add(h.readUInt32LE(0), h.readUInt32LE(4));
  }

  /** Take one occurrence of the line out; false when there is none (the line is new). */
  take(bytes: Uint8Array): boolean {
    if (this.slots === 0) return false;
    const h = lineHash(bytes);
    const i = this.find(h.readUInt32LE(0), h.readUInt32LE(4));
    if (!this.used[i] || this.counts[i] === 0) return false;
    this.counts[i] = (this.counts[i] as number) - 1;
    this.size--;
    return true;
  }

  /** Bytes the table holds. */
  get memoryBytes(): number {
    return this.slots * 13;
  }

  private find(lo: number, hi: number): number {
    const mask = this.slots - 1;
    let i = lo & mask;
    while (this.used[i] && (this.lo[i] !== lo || this.hi[i] !== hi)) i = (i + 1) & mask;
    return i;
  }

  private add(lo: number, hi: number): void {
    if ((this.distinct + 1) * 4 > this.slots * 3) this.grow();
    const i = this.find(lo, hi);
    if (this.used[i]) {
      this.counts[i] = (this.counts[i] as number) + 1;
    } else {
      this.used[i] = 1;
      this.lo[i] = lo;
      this.hi[i] = hi;
      this.counts[i] = 1;
      this.distinct++;
    }
    this.size++;
  }

  private grow(): void {
    const { lo, hi, counts, used, slots } = this;
    this.slots = Math.max(1024, slots * 2);
    this.lo = new Uint32Array(this.slots);
    this.hi = new Uint32Array(this.slots);
    this.counts = new Uint32Array(this.slots);
    this.used = new Uint8Array(this.slots);
    for (let j = 0; j < slots; j++) {
      if (!used[j]) continue;
      const i = this.find(lo[j] as number, hi[j] as number);
      this.used[i] = 1;
      this.lo[i] = lo[j] as number;
      this.hi[i] = hi[j] as number;
      this.counts[i] = counts[j] as number;
    }
  }
}
