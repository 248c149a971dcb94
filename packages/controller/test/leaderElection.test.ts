/** The Lease-based leader elector against a real API server (@sedna-ts/embedded). */
import { CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { LeaderElector, type LeaderElectionSettings } from '../src/gm/leaderElection.js';
import { eventually, startCluster, testLogger, type TestCluster } from './cluster.js';

let cluster: TestCluster;
let leases: CoordinationV1Api;
const electors: LeaderElector[] = [];
let leaseName = 0;

interface Candidate {
  elector: LeaderElector;
  events: string[];
}

function candidate(identity: string, settings: Partial<LeaderElectionSettings> & { name: string }): Candidate {
  const events: string[] = [];
  const elector = new LeaderElector({
    namespace: 'default',
    identity,
    leaseDurationSeconds: 2,
    renewDeadlineSeconds: 1,
    retryPeriodSeconds: 0.1,
    kubeConfig: cluster.kc,
    logger: testLogger(identity),
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
    ...settings,
  });
  electors.push(elector);
  elector.start();
  return { elector, events };
}

async function lease(name: string): Promise<V1Lease> {
  return leases.readNamespacedLease({ namespace: 'default', name });
}

const ms = (t: unknown): number => new Date(t as string).getTime();

beforeAll(async () => {
  cluster = await startCluster();
  leases = cluster.kc.makeApiClient(CoordinationV1Api);
});

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
});

afterAll(async () => {
  await cluster?.close();
});

function nextLease(): string {
  leaseName++;
  return `lease-${leaseName}`;
}

test('of two candidates exactly one leads; the other knows who', async () => {
  const name = nextLease();
  const a = candidate('a', { name });
  const b = candidate('b', { name });
  await Promise.all([a.elector.firstTry(), b.elector.firstTry()]);
  await eventually('a leader', () => (a.elector.isLeader || b.elector.isLeader ? true : undefined));
  const [leader, follower] = a.elector.isLeader ? [a, b] : [b, a];
  expect(follower.elector.isLeader).toBe(false);
  expect(leader.events).toEqual(['started']);
  expect(follower.events).toEqual([]);
  const record = await lease(name);
  expect(record.spec).toMatchObject({ holderIdentity: leader.elector.leader, leaseDurationSeconds: 2 });
  await eventually('the follower to see the leader', () => (follower.elector.leader === leader.elector.leader ? true : undefined));
  // Several renewals later, still one leader.
  await new Promise((r) => setTimeout(r, 400));
  expect([a.elector.isLeader, b.elector.isLeader].filter(Boolean)).toHaveLength(1);
});

test('a leader that stops without releasing is replaced only once the lease expired', async () => {
  const name = nextLease();
  const a = candidate('a', { name });
  await a.elector.firstTry();
  expect(a.elector.isLeader).toBe(true);
  const b = candidate('b', { name });
  await b.elector.firstTry();
  expect(b.elector.isLeader).toBe(false);
  await a.elector.stop();
  expect(a.events).toEqual(['started', 'stopped']);
  const lastRenew = ms((await lease(name)).spec?.renewTime);
  await eventually('b to take over', () => (b.elector.isLeader ? true : undefined), 10_000);
  const taken = await lease(name);
  expect(taken.spec?.holderIdentity).toBe('b');
  expect(taken.spec?.leaseTransitions).toBe(1);
  // b waited the whole lease duration (from when it saw a's last renewal, itself after that renewal).
  expect(ms(taken.spec?.acquireTime) - lastRenew).toBeGreaterThanOrEqual(2000);
});

test('a released lease is taken at the next try, long before it would expire', async () => {
  const name = nextLease();
  const slow = { leaseDurationSeconds: 60, renewDeadlineSeconds: 30, retryPeriodSeconds: 0.1 };
  const a = candidate('a', { name, ...slow });
  await a.elector.firstTry();
  const b = candidate('b', { name, ...slow });
  await b.elector.firstTry();
  expect(b.elector.isLeader).toBe(false);
  await a.elector.stop();
  await a.elector.release();
  expect((await lease(name)).spec?.holderIdentity).toBeUndefined();
  // Well within the 60 s the lease would otherwise last.
  await eventually('b to take over', () => (b.elector.isLeader ? true : undefined), 10_000);
  expect(b.events).toEqual(['started']);
});

test('a leader that sees another holder in the lease steps down at once', async () => {
  const name = nextLease();
  const a = candidate('a', { name, leaseDurationSeconds: 30, renewDeadlineSeconds: 10, retryPeriodSeconds: 0.1 });
  await a.elector.firstTry();
  const record = await lease(name);
  const now = new Date().toISOString().replace('Z', '000Z');
  await leases.replaceNamespacedLease({ namespace: 'default', name, body: { ...record, spec: { ...record.spec, holderIdentity: 'intruder', renewTime: now as never } } });
  await eventually('a to step down', () => (a.elector.isLeader ? undefined : true), 10_000);
  expect(a.events).toEqual(['started', 'stopped']);
  expect(a.elector.leader).toBe('intruder');
});

test('a leader that cannot renew within its deadline steps down, and leads again when the API server is back', async () => {
  const name = nextLease();
  const a = candidate('a', { name, leaseDurationSeconds: 3, renewDeadlineSeconds: 0.5, retryPeriodSeconds: 0.1 });
  await a.elector.firstTry();
  expect(a.elector.isLeader).toBe(true);
  const down = cluster.restart(1500);
  await eventually('a to step down', () => (a.elector.isLeader ? undefined : true), 10_000);
  await down;
  // Its own identity in the lease: it takes it back without waiting for it to expire.
  await eventually('a to lead again', () => (a.elector.isLeader ? true : undefined), 10_000);
  expect(a.events).toEqual(['started', 'stopped', 'started']);
});
