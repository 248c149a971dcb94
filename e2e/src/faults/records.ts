// What the parts and the workers wrote about the upstream messages, read back from their logs: the LC's
// "upstream message queued" lines (one per message on disk in its outbox, with its seq), the GM's
// "upstream message" lines (one per message received, with the order of arrival and what became of it)
// and the worker SDK's "reported KIND STATUS" lines in the pods' logs (the report's id, delivered or not).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One JSON log line, with the start of the part (1, 2, ...) that wrote it. */
interface LogRecord {
  start: number;
  fields: Record<string, unknown>;
}

/** The JSON lines of a part's log (see parts.ts: `--- start N` before each start). */
function logRecords(file: string): LogRecord[] {
  if (!existsSync(file)) return [];
  const records: LogRecord[] = [];
  let start = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('--- start ')) start++;
    if (!line.startsWith('{')) continue;
    try {
      records.push({ start, fields: JSON.parse(line) as Record<string, unknown> });
    } catch {
      // A line torn by a SIGKILL.
    }
  }
  return records;
}

/** An upstream message the LC put in its outbox. */
export interface QueuedMessage {
  id: string;
  /** `<kind>/<namespace>/<name>` of the object it is about. */
  object: string;
  /** Its place in the LC's order: start of the LC, then seq. */
  order: [number, number];
}

/** What the GM logged of one upstream message, in the order of arrival. */
export interface ReceivedMessage {
  id: string;
  object: string;
  order: [number, number];
  result: string;
}

/** The messages the LC queued, in its order. */
export function queuedMessages(lcLog: string): QueuedMessage[] {
  return logRecords(lcLog)
    .filter((r) => r.fields.msg === 'upstream message queued' && typeof r.fields.messageId === 'string')
    .map((r) => ({ id: r.fields.messageId as string, object: `${String(r.fields.kind).toLowerCase()}/${String(r.fields.object)}`, order: [r.start, Number(r.fields.seq)] as [number, number] }))
    .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
}

/** Every receipt the GM logged, in the order of arrival. */
export function receivedMessages(gmLog: string): ReceivedMessage[] {
  return logRecords(gmLog)
    .filter((r) => r.fields.msg === 'upstream message' && typeof r.fields.messageId === 'string')
    .map((r) => ({
      id: r.fields.messageId as string,
      object: `${String(r.fields.kind).toLowerCase()}/${String(r.fields.object)}`,
      order: [r.start, Number(r.fields.arrival)] as [number, number],
      result: String(r.fields.result),
    }))
    .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
}

/** A report a worker sent (the SDK's "reported KIND STATUS" line in its pod's log). */
export interface WorkerReportRecord {
  pod: string;
  kind: string;
  status: string;
  reportId: string;
  delivered: boolean;
  time: number;
}

/** The reports every worker pod logged (`<dataDir>/pods/<namespace>/<pod>/<container>[.previous].log`). */
export function workerReports(dataDir: string, namespace = 'default'): WorkerReportRecord[] {
  const root = join(dataDir, 'pods', namespace);
  if (!existsSync(root)) return [];
  const reports: WorkerReportRecord[] = [];
  for (const pod of readdirSync(root)) {
    for (const file of readdirSync(join(root, pod)).filter((f) => f.endsWith('.log'))) {
      for (const line of readFileSync(join(root, pod, file), 'utf8').split('\n')) {
        if (!line.includes('"reported ')) continue;
        try {
          const f = JSON.parse(line) as Record<string, unknown>;
          if (typeof f.reportId !== 'string') continue;
          reports.push({ pod, kind: String(f.kind), status: String(f.status), reportId: f.reportId, delivered: f.delivered === true, time: Number(f.time) });
        } catch {
          // Not the SDK's line.
        }
      }
    }
  }
  return reports.sort((a, b) => a.time - b.time);
}

/** The delivery figures and the problems found, checking the GM's receipts against the LC's queue. */
export interface DeliveryCheck {
  /** Upstream messages the LC queued (distinct ids). */
  sent: number;
  /** Of them, received by the GM at least once. */
  received: number;
  /** Queued and never received. */
  lost: string[];
  /** Received again after a first receipt (replays after a cut or a restart; harmless when not applied twice). */
  replays: number;
  /** Applied twice or more. */
  appliedTwice: string[];
  /** Messages about one object received in another order than queued. */
  outOfOrder: string[];
  /** Received by the GM while no LC line says it was queued (the LC killed between its fsync and its log line). */
  unlogged: number;
}

/** See {@link DeliveryCheck}. */
export function checkDelivery(queued: readonly QueuedMessage[], received: readonly ReceivedMessage[]): DeliveryCheck {
  const firstReceipt = new Map<string, number>();
  const applied = new Map<string, number>();
  received.forEach((r, i) => {
    if (!firstReceipt.has(r.id)) firstReceipt.set(r.id, i);
    if (r.result === 'applied') applied.set(r.id, (applied.get(r.id) ?? 0) + 1);
  });
  const sentIds = new Set<string>();
  const lost: string[] = [];
  const outOfOrder: string[] = [];
  const lastByObject = new Map<string, { id: string; at: number }>();
  for (const m of queued) {
    if (sentIds.has(m.id)) continue;
    sentIds.add(m.id);
    const at = firstReceipt.get(m.id);
    if (at === undefined) {
      lost.push(`${m.object} ${m.id}`);
      continue;
    }
    const last = lastByObject.get(m.object);
    if (last && at < last.at) outOfOrder.push(`${m.object}: ${m.id} was queued after ${last.id} but received before it`);
    lastByObject.set(m.object, { id: m.id, at });
  }
  const receivedIds = new Set(received.map((r) => r.id));
  return {
    sent: sentIds.size,
    received: [...sentIds].filter((id) => receivedIds.has(id)).length,
    lost,
    replays: received.length - firstReceipt.size,
    appliedTwice: [...applied.entries()].filter(([, n]) => n > 1).map(([id, n]) => `${id} applied ${n} times`),
    outOfOrder,
    unlogged: [...receivedIds].filter((id) => !sentIds.has(id)).length,
  };
}
