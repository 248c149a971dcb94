// The tabs of one browser share one live stream. Each page held its own EventSource; over HTTP/1.1 a
// browser opens at most 6 connections per host, so with 6 tabs every other request hung. Here seven
// tabs (stand-ins for BroadcastChannel, Web Locks and EventSource) open one stream with the scopes of
// all of them; each tab gets the events of its own scope, a tab that comes later gets what is known at
// once, objects deleted while a new stream listed again are deleted in the tabs, and when the leading
// tab closes another one takes the lock and opens the stream.
import type { LiveSource } from '../web/src/live.js';
import { SharedLive, type Channel } from '../web/src/sharedLive.js';
import { FakeSource } from './fakeSource.js';

class Bus {
  readonly channels = new Set<Channel & { closed?: boolean }>();
  channel(): Channel & { closed?: boolean } {
    const channel: Channel & { closed?: boolean } = {
      onmessage: null,
      postMessage: (message) => {
        const copy = JSON.parse(JSON.stringify(message)) as unknown;
        for (const other of this.channels) if (other !== channel && !other.closed) setImmediate(() => other.onmessage?.({ data: copy }));
      },
    };
    this.channels.add(channel);
    return channel;
  }
}

class Locks {
  holder: string | undefined;
  readonly waiting: Array<[string, () => Promise<void>]> = [];
  lock(tab: string, leader: () => Promise<void>): void {
    if (this.holder === undefined) {
      this.holder = tab;
      void leader();
    } else this.waiting.push([tab, leader]);
  }
  /** The tab closed: its lock goes to the next one waiting. */
  release(tab: string): void {
    const i = this.waiting.findIndex(([t]) => t === tab);
    if (i >= 0) this.waiting.splice(i, 1);
    if (this.holder !== tab) return;
    const next = this.waiting.shift();
    this.holder = next?.[0];
    if (next) void next[1]();
  }
}

class Stream extends FakeSource {
  connect(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  send(name: string, data: unknown): void {
    this.listeners.get(name)?.({ data: JSON.stringify(data) });
  }
}

async function until(what: string, predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const job = (name: string, uid = name) => ({ kind: 'IncrementalLearningJob', metadata: { name, namespace: 'default', uid } });

test('seven tabs share one stream: each gets its scope, a late tab what is known, deletions while relisting, and another tab leads when the leader closes', async () => {
  let sessionStatus = 200;
  const bus = new Bus();
  const locks = new Locks();
  const streams: Stream[] = [];
  const tabs: Array<{ id: string; live: SharedLive; channel: Channel & { closed?: boolean } }> = [];
  const events: Array<Array<[string, string]>> = [];
  const opened: Array<LiveSource & { state?: string }> = [];
  const openTab = (scope: string) => {
    const id = `tab${tabs.length}`;
    const channel = bus.channel();
    const live = new SharedLive({ channel, lock: (_name, leader) => locks.lock(id, leader), open: (url) => (streams.push(new Stream(url)), streams.at(-1) as Stream), tab: id, check: async () => sessionStatus });
    const seen: Array<[string, string]> = [];
    const source = live.source(scope);
    for (const name of ['job', 'pod', 'event', 'status']) source.addEventListener(name, (e) => seen.push([name, e.data]));
    tabs.push({ id, live, channel });
    events.push(seen);
    opened.push(source);
    return source;
  };
  const scopes = ['jobs', 'jobs', 'incrementallearningjobs/default/a', 'incrementallearningjobs/default/b', 'jobs', 'incrementallearningjobs/default/a', 'incrementallearningjobs/default/c'];
  for (const scope of scopes) openTab(scope);
  const current = () => streams.filter((s) => s.readyState !== 2);
  await until('the stream with every scope', () => current().length === 1 && current()[0]?.url === '/api/watch?scope=incrementallearningjobs%2Fdefault%2Fa&scope=incrementallearningjobs%2Fdefault%2Fb&scope=incrementallearningjobs%2Fdefault%2Fc&scope=jobs');
  // (Under load the first stream may open before every tab said what it follows: then a second one.)
  const openedSoFar = streams.length;
  const stream = current()[0] as Stream;
  stream.connect();
  await until('every tab live', () => opened.every((s) => s.readyState === 1));
  stream.send('job', { scope: 'jobs', type: 'ADDED', object: job('a') });
  stream.send('job', { scope: 'jobs', type: 'ADDED', object: job('gone') });
  stream.send('pod', { scope: 'incrementallearningjobs/default/a', type: 'ADDED', object: { metadata: { name: 'a-pod', uid: 'p1' } } });
  await until('the events in the tabs of their scope', () => events[6]?.length === 0 && events.every((seen, i) => seen.length === (scopes[i] === 'jobs' ? 2 : scopes[i]?.endsWith('/a') ? 1 : 0)));

  // A tab opened later on the jobs list gets what is known at once; no new stream for a scope followed already.
  openTab('jobs');
  await until('the late tab has the jobs', () => events[7]?.length === 2);
  expect(streams.length).toBe(openedSoFar);

  // A new scope: a new stream, which lists again; a job not listed again was deleted meanwhile.
  openTab('incrementallearningjobs/default/d');
  await until('the stream reopened', () => streams.length === openedSoFar + 1 && current().length === 1);
  const second = current()[0] as Stream;
  expect(second.url).toContain('scope=incrementallearningjobs%2Fdefault%2Fd');
  second.connect();
  second.send('job', { scope: 'jobs', type: 'ADDED', object: job('a') });
  second.send('synced', { scope: 'jobs' });
  await until('the deletion in the jobs tabs', () => events[1]?.some(([, d]) => d.includes('"DELETED"') && d.includes('"gone"')) === true);

  // The leader's tab closes (its channel, lock and stream go with it): the next one takes the lock and opens the stream.
  tabs[0]!.channel.closed = true;
  second.close();
  locks.release('tab0');
  await until('a new leader with a stream of every scope', () => current().length === 1 && streams.length > openedSoFar + 1 && ['jobs', 'a', 'b', 'c', 'd'].every((x) => current()[0]!.url.includes(x === 'jobs' ? 'scope=jobs' : `default%2F${x}`)));
  current()[0]!.connect();
  current()[0]!.send('job', { scope: 'jobs', type: 'MODIFIED', object: job('a') });
  await until('the jobs tabs get it', () => events[4]?.some(([, d]) => d.includes('MODIFIED')) === true);
  // A stream refused for good with the session there (429): a new stream; with the session gone (401):
  // every tab's source stops, so each asks for its session (and goes to the sign-in page).
  const third = current()[0]!;
  third.readyState = 2;
  third.onerror?.();
  const refusedAt = streams.indexOf(third);
  await until('a new stream after a refusal that passes', () => streams.length > refusedAt + 1 && current().length === 1);
  sessionStatus = 401;
  const fourth = current()[0]!;
  fourth.readyState = 2;
  fourth.onerror?.();
  await until('every open tab stopped', () => opened.slice(1).every((s) => s.readyState === 2));
});
