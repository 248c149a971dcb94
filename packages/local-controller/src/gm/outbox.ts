/**
 * The durable outbox to the GM: every upstream frame is on disk (fsync) before `append` resolves, kept
 * in order until the GM acknowledges its `messageId`, and replayed in order after a reconnect or a
 * restart. It is an `AppendLog` of message and ack records, compacted once acknowledged records
 * outnumber the pending ones.
 */
import { type WireFrame } from '@sedna-ts/api-types';
import { AppendLog } from '../storage/appendLog.js';

type OutboxRecord = { t: 'm'; id: string; seq: number; frame: WireFrame } | { t: 'a'; id: string };

/** One upstream message waiting for the GM's ack. */
export interface OutboxMessage {
  id: string;
  seq: number;
  frame: WireFrame;
}

/** Acked ids kept (in memory and across compactions) so a replayed append of an acked message is recognised. */
const REMEMBERED_ACKS = 2000;
/** Compact when this many ack records have accumulated and they outnumber the pending messages. */
const COMPACT_AFTER = 1000;

/** See the module comment. */
export class Outbox {
  private readonly messages = new Map<string, OutboxMessage>();
  private readonly acked = new Set<string>();
  private readonly listeners = new Set<(message: OutboxMessage) => void>();
  private nextSeq = 1;
  private acksSinceCompaction = 0;
  private compacting: Promise<void> | undefined;

  private constructor(private readonly log: AppendLog<OutboxRecord>) {}

  /** Open the outbox log at `path`, restoring the messages not yet acknowledged. */
  static async open(path: string): Promise<{ outbox: Outbox; skipped: number; tornBytes: number }> {
    const { log, records, skipped, tornBytes } = await AppendLog.open<OutboxRecord>(path);
    const outbox = new Outbox(log);
    for (const record of records) {
      if (record.t === 'm' && typeof record.id === 'string' && record.frame) {
        if (!outbox.acked.has(record.id)) outbox.messages.set(record.id, { id: record.id, seq: record.seq, frame: record.frame });
        outbox.nextSeq = Math.max(outbox.nextSeq, record.seq + 1);
      } else if (record.t === 'a' && typeof record.id === 'string') {
        outbox.messages.delete(record.id);
        outbox.remember(record.id);
        outbox.acksSinceCompaction++;
      }
    }
    return { outbox, skipped, tornBytes };
  }

  private remember(id: string): void {
    this.acked.add(id);
    if (this.acked.size > REMEMBERED_ACKS) {
      const oldest = this.acked.values().next().value as string;
      this.acked.delete(oldest);
    }
  }

  /** Messages waiting for an ack, oldest first. */
  pending(): OutboxMessage[] {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Number of messages waiting for an ack. */
  get depth(): number {
    return this.messages.size;
  }

  /** Whether a message with this id is waiting for its ack. */
  isPending(id: string): boolean {
    return this.messages.has(id);
  }

  /** Whether a message with this id is waiting, or was acknowledged recently. */
  knows(id: string): boolean {
    return this.messages.has(id) || this.acked.has(id);
  }

  /**
   * Put a frame in the outbox; resolves once it is on disk. The frame must carry `header.messageId`;
   * a frame whose id is already pending or recently acknowledged is not added again (`duplicate`).
   */
  async append(frame: WireFrame): Promise<{ id: string; duplicate: boolean }> {
    const id = frame.header.messageId;
    if (!id) throw new Error('outbox: a frame without header.messageId');
    if (this.knows(id)) return { id, duplicate: true };
    const message: OutboxMessage = { id, seq: this.nextSeq++, frame };
    // Taken at once so a concurrent append of the same id is a duplicate, and compaction keeps it.
    this.messages.set(id, message);
    try {
      await this.log.append({ t: 'm', id, seq: message.seq, frame });
    } catch (error) {
      this.messages.delete(id);
      throw error;
    }
    for (const listener of this.listeners) listener(message);
    return { id, duplicate: false };
  }

  /** The GM acknowledged `id`: forget it (true when it was pending). */
  async ack(id: string): Promise<boolean> {
    const known = this.messages.delete(id);
    if (!known) return false;
    this.remember(id);
    await this.log.append({ t: 'a', id }, { sync: false });
    this.acksSinceCompaction++;
    if (this.acksSinceCompaction >= COMPACT_AFTER && this.acksSinceCompaction > this.messages.size) await this.compact();
    return true;
  }

  /** Rewrite the log with only the pending messages (and the remembered ack ids). */
  compact(): Promise<void> {
    this.compacting ??= (async () => {
      try {
        const records: OutboxRecord[] = [...this.acked].map((id) => ({ t: 'a', id }));
        for (const m of this.pending()) records.push({ t: 'm', id: m.id, seq: m.seq, frame: m.frame });
        this.acksSinceCompaction = 0;
        await this.log.rewrite(records);
      } finally {
        this.compacting = undefined;
      }
    })();
    return this.compacting;
  }

  /** Call `listener` with every message appended from now on; returns the unsubscribe function. */
  onAppend(listener: (message: OutboxMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Bytes of the log file. */
  get logBytes(): number {
    return this.log.bytes;
  }

  /** Write what is queued and close the log. */
  async close(): Promise<void> {
    await this.compacting;
    await this.log.close();
  }
}
