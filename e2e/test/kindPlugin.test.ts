// Kinds of learning job are plug-ins: a kind defined in this test's folder (kindPlugin/testJob: its
// schema, GM policy, LC job manager and workers) runs a whole round on the GM and the LC started with
// the built-in kinds plus it, with its CRD made by api-types' generator, and nothing of it in the
// packages. Started without it, the same job is stored and left alone, and the CLI says so.
//
// The parts run in this process (the embedded API server, the GM, the LC, the node agent) as `sedna up`
// starts them, so the GM and the LC can be given the test's kind; the workers are real processes the
// node agent starts from the job's pod templates.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiextensionsV1Api, CoordinationV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { buildCustomResourceDefinition, sednaCustomResourceDefinitions, SEDNA_API_VERSION, type JobCondition } from '@sedna-ts/api-types';
import { GM_LEASE_LABEL, KINDS_ANNOTATION } from '@sedna-ts/api-types/contract';
import { BUILT_IN_KINDS, startGlobalManager, workerLabelKeys, type GlobalManager, type JobKind, type LearningJob } from '@sedna-ts/controller';
import { startApiServer, startNodeAgent, type NodeAgent, type RunningApiServer } from '@sedna-ts/embedded';
import { BUILT_IN_LC_KINDS, startLocalController, type LcJob, type LcJobKind, type LocalController } from '@sedna-ts/local-controller';
import { eventually } from '../src/eventually.js';
import { exactly, JOB_START } from '../src/conditionOrder.js';
import { sedna } from '../src/sedna.js';
import { testLearningJobKind } from './kindPlugin/testJob/gm.js';
import { testLearningJobLcKind } from './kindPlugin/testJob/lc.js';
import { GROUP, KIND, PLURAL, RESOURCE_KIND, testLearningJobInfo, type TestLearningJob } from './kindPlugin/testJob/schema.js';

const WORKER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'kindPlugin', 'testJob');
const NODE = 'kind-node';
const NAMESPACE = 'default';
const THRESHOLD = 4;

const noop = (): void => {};
const quiet = { debug: noop, info: noop, warn: noop, error: noop, child: () => quiet };

/** The parts `sedna up` starts, in this process, on a temp folder; the GM and the LC with `kinds`. */
class OneMachine {
  readonly dir = mkdtempSync(join(tmpdir(), 'sedna-e2e-kind-'));
  readonly root = join(this.dir, 'root');
  server!: RunningApiServer;
  kc = new KubeConfig();
  gm: GlobalManager | undefined;
  lc: LocalController | undefined;
  agent: NodeAgent | undefined;

  get custom(): CustomObjectsApi {
    return this.kc.makeApiClient(CustomObjectsApi);
  }

  /** The API server with the built-in CRDs and the test kind's, made by api-types' generator. */
  async startServer(): Promise<void> {
    mkdirSync(this.root, { recursive: true });
    this.server = await startApiServer({ dataDir: join(this.dir, 'api'), logger: quiet });
    this.kc.loadFromString(this.server.kubeconfig());
    const crds = this.kc.makeApiClient(ApiextensionsV1Api);
    for (const crd of [...sednaCustomResourceDefinitions(), buildCustomResourceDefinition(testLearningJobInfo)]) await crds.createCustomResourceDefinition({ body: crd as never });
    await eventually(`the ${PLURAL} CRD to be served`, async () => ((await this.custom.listNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NAMESPACE, plural: PLURAL })) ? true : undefined), 10_000);
  }

  /** The GM (leader-elected, so it writes its kinds on its Lease) and the node's LC. */
  async startControllers(gmKinds: readonly JobKind<LearningJob>[], lcKinds: readonly LcJobKind<LcJob>[]): Promise<void> {
    this.gm = await startGlobalManager({
      kubeConfig: this.kc,
      secret: randomBytes(24).toString('hex'),
      websocket: { address: '127.0.0.1', port: 0 },
      leaderElection: { enabled: true, identity: 'kind-plugin-test', leaseDurationSeconds: 30, renewDeadlineSeconds: 20, retryPeriodSeconds: 2 },
      retry: { initialBackoffSeconds: 1 },
      kinds: gmKinds,
      logger: quiet,
    });
    this.lc = await startLocalController({
      nodeName: NODE,
      gmUrl: this.gm.wsUrl,
      nodeToken: this.gm.nodeToken(NODE),
      dataDir: join(this.dir, 'lc'),
      hotUpdateRoot: join(this.dir, 'hot-update'),
      hardExampleRoot: join(this.dir, 'hard-examples'),
      port: 0,
      kinds: lcKinds,
      logger: quiet,
    });
    if (!(await this.lc.waitForGm(20_000))) throw new Error(`the LC did not connect to the GM at ${this.gm.wsUrl} within 20 s`);
  }

  /** The node agent: runs the pods bound to NODE as processes (`.ts` scripts under tsx). */
  async startAgent(): Promise<void> {
    const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'NODE_OPTIONS'));
    this.agent = await startNodeAgent({ kubeConfig: this.kc, nodeName: NODE, dataDir: join(this.dir, 'agent'), logger: quiet, env });
  }

  /** A Dataset on NODE whose index is `root/index.txt` (empty), and the sample files its lines will name (`img/<i>.png`: the LC quarantines a line naming no file). */
  async createDataset(name: string): Promise<string> {
    const index = join(this.root, 'index.txt');
    writeFileSync(index, '');
    mkdirSync(join(this.root, 'img'), { recursive: true });
    for (let i = 0; i < 100; i++) writeFileSync(join(this.root, 'img', `${i}.png`), '');
    await this.custom.createNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace: NAMESPACE,
      plural: 'datasets',
      body: { apiVersion: SEDNA_API_VERSION, kind: 'Dataset', metadata: { name }, spec: { url: index, format: 'txt', nodeName: NODE } },
    });
    return index;
  }

  async createJob(name: string, dataset: string): Promise<void> {
    const template = (stage: string) => ({ spec: { nodeName: NODE, containers: [{ name: `${stage}-worker`, image: 'sedna-ts/test-worker', workingDir: WORKER_DIR, args: ['worker.ts', stage] }] } });
    const job: TestLearningJob = {
      apiVersion: SEDNA_API_VERSION,
      kind: KIND,
      metadata: { name, namespace: NAMESPACE },
      spec: { dataset: { name: dataset }, outputDir: join(this.root, 'output'), trainSpec: { template: template('train') }, evalSpec: { template: template('eval') }, threshold: THRESHOLD },
    };
    await this.custom.createNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NAMESPACE, plural: PLURAL, body: job });
  }

  async job(name: string): Promise<TestLearningJob> {
    return (await this.custom.getNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NAMESPACE, plural: PLURAL, name })) as TestLearningJob;
  }

  /** Polls the job until `predicate` holds; the error names what was waited for and the conditions so far. */
  async until(name: string, what: string, predicate: (job: TestLearningJob) => boolean, timeoutMs = 40_000): Promise<TestLearningJob> {
    let last: TestLearningJob | undefined;
    try {
      return await eventually(
        what,
        async () => {
          last = await this.job(name);
          return predicate(last) ? last : undefined;
        },
        timeoutMs,
        200,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; conditions of ${KIND} ${name}: ${sequence(last) || '(none)'}`);
    }
  }

  async pods(name: string): Promise<V1Pod[]> {
    const keys = workerLabelKeys(RESOURCE_KIND);
    return (await this.kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NAMESPACE, labelSelector: `${keys.name}=${name}` })).items;
  }

  async stop(): Promise<void> {
    await this.agent?.stop();
    await this.lc?.stop();
    await this.gm?.stop();
    await this.server?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function conditionsOf(job: TestLearningJob | undefined): JobCondition[] {
  return job?.status?.conditions ?? [];
}

/** The conditions as `round:Stage/Type` tokens. */
function sequence(job: TestLearningJob | undefined): string {
  return conditionsOf(job)
    .map((c) => `${c.round}:${c.stage}/${c.type}`)
    .join(' ');
}

/** A stage run by a worker pod (Running only when the GM saw the pod run before the report). */
const workerStage = (stage: string) => `1:${stage}/Ready 1:${stage}/Starting (?:1:${stage}/Running )?1:${stage}/Completed`;

describe('a learning-job kind defined outside the packages', () => {
  let machine: OneMachine | undefined;

  afterEach(async () => {
    await machine?.stop();
    machine = undefined;
  });

  test('runs a whole round (train, eval, deploy by publishing) on a GM and an LC given the built-in kinds plus it', async () => {
    machine = new OneMachine();
    await machine.startServer();
    await machine.startControllers([...BUILT_IN_KINDS, testLearningJobKind as unknown as JobKind<LearningJob>], [...BUILT_IN_LC_KINDS, testLearningJobLcKind as unknown as LcJobKind<LcJob>]);
    await machine.startAgent();
    const index = await machine.createDataset('samples');
    await machine.createJob('counter', 'samples');
    await machine.until('counter', `(Train, Waiting) of round 0 on ${KIND} counter`, (job) => sequence(job) === JOB_START);

    // One sample short of the threshold: no round. Then the last one starts round 1.
    appendFileSync(index, Array.from({ length: THRESHOLD - 1 }, (_, i) => `img/${i}.png ${i % 2}\n`).join(''));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sequence(await machine.job('counter'))).toBe(JOB_START);
    appendFileSync(index, `img/${THRESHOLD - 1}.png 1\n`);

    const ended = await machine.until('counter', 'round 1 to end: (Train, Waiting) of round 1', (job) => conditionsOf(job).some((c) => c.round === 1 && c.stage === 'Train' && c.type === 'Waiting'));
    expect(sequence(ended)).toMatch(
      exactly([JOB_START, workerStage('Train'), '1:Eval/Waiting', workerStage('Eval'), '1:Deploy/Waiting', '1:Deploy/Ready', '1:Deploy/Running', '1:Deploy/Completed', '1:Train/Waiting']),
    );
    expect(ended.status?.lastRoundEnded).toBe(1);
    expect(ended.status?.round).toBe(1);

    // The train and eval workers ran as processes of their pods, one pod each, and reported what they did.
    // A worker reports before its process exits: the pods' end comes after the round's.
    const keys = workerLabelKeys(RESOURCE_KIND);
    const pods = await eventually('the train and eval pods of round 1 to end (phase Succeeded or Failed)', async () => {
      const list = await machine!.pods('counter');
      return list.length === 2 && list.every((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') ? list : undefined;
    }, 20_000);
    expect(pods.map((p) => [p.metadata?.labels?.[keys.workerType], p.status?.phase, p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode]).sort()).toEqual([
      ['eval', 'Succeeded', 0],
      ['train', 'Succeeded', 0],
    ]);
    for (const pod of pods) expect(pod.status?.containerStatuses?.[0]?.containerID).toMatch(/^process:\/\/\d+$/);
    const run = (stage: string) => JSON.parse(readFileSync(join(machine!.root, 'output', stage, '1', 'run.json'), 'utf8')) as { worker: string; pid: number; metrics: Record<string, number> };
    const podOf = (stage: string) => pods.find((p) => p.metadata?.labels?.[keys.workerType] === stage)?.metadata?.name;
    expect([run('train').worker, run('eval').worker]).toEqual([podOf('train'), podOf('eval')]);
    expect([run('train').pid, run('eval').pid]).not.toContain(process.pid);
    expect(run('train').metrics).toEqual({ samples: THRESHOLD });
    const trainCompleted = conditionsOf(ended).find((c) => c.stage === 'Train' && c.type === 'Completed');
    expect(JSON.parse(trainCompleted?.data ?? '{}')).toMatchObject({ output: { models: [{ format: 'json', url: join(machine.root, 'output', 'train', '1', 'model.json'), metrics: { samples: THRESHOLD } }] } });
  });

  /** The API server with the test kind's CRD, a GM and an LC with the built-in kinds only, and a TestLearningJob `orphan`. */
  async function withoutTheKind(): Promise<OneMachine> {
    machine = new OneMachine();
    await machine.startServer();
    await machine.startControllers(BUILT_IN_KINDS, BUILT_IN_LC_KINDS);
    await machine.createDataset('samples');
    await machine.createJob('orphan', 'samples');
    // The GM's Lease says what it handles: the built-in kinds, not this one.
    const leases = machine.kc.makeApiClient(CoordinationV1Api);
    const handled = await eventually(
      `the GM's Lease (label ${GM_LEASE_LABEL}) with its ${KINDS_ANNOTATION} annotation`,
      async () => (await leases.listLeaseForAllNamespaces({ labelSelector: `${GM_LEASE_LABEL}=true` })).items.map((l) => l.metadata?.annotations?.[KINDS_ANNOTATION]).find(Boolean),
      20_000,
    );
    expect(handled.split(',')).toEqual(BUILT_IN_KINDS.map((k) => k.kind));
    return machine;
  }

  test('is stored and left alone by a GM and an LC with the built-in kinds only: no condition', async () => {
    const m = await withoutTheKind();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(conditionsOf(await m.job('orphan'))).toEqual([]);
  });

  test('without a controller for it, sedna describe says no controller acts on it', async () => {
    const m = await withoutTheKind();
    // The CLI finds the server as in a `sedna up` folder: by its kubeconfig there.
    await m.server.writeKubeconfig(join(m.dir, 'kubeconfig'));
    const described = await sedna(m.dir, ['describe', `${RESOURCE_KIND}/orphan`]);
    expect({ code: described.code, stderr: described.stderr }).toEqual({ code: 0, stderr: '' });
    expect(described.stdout).toContain(`no controller acts on it (the global manager handles: ${BUILT_IN_KINDS.map((k) => k.kind).join(', ')})`);
  });
});
