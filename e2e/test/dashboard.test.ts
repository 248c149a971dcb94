// The dashboard as people use it, on the tray classifier's job on `sedna up`, in Chromium at a desktop
// size (1280x800, mouse) and a tablet size (820x1180, touch): signed in with the one-time link `sedna up`
// prints, it shows a round complete live (no reload: the page follows the watches the dashboard relays),
// a metrics chart with one point per finished round holding the values of the job's status, the stage
// timeline with each reason; three hard examples are labelled (a moved box, a new box drawn by touch,
// the model's answer accepted by touch), the dataset grows by three lines and the next round starts.
// Without a session the API answers 401; a user whose RBAC allows reading jobs but not updating them
// sees the hard examples and cannot label them (the GM's SubjectAccessReview, answered by the embedded
// API server). Each page is saved as a screenshot (e2e/artifacts/dashboard).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { IncrementalLearningJob } from '@sedna-ts/api-types';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot, scrollsHorizontally, touchDrag } from '../src/browser.js';
import { eventually } from '../src/eventually.js';
import { conditionsOf, JobWatch } from '../src/jobWatch.js';
import { Scenario } from '../src/scenario.js';
import { getJson, sednaOk } from '../src/sedna.js';

const scenario = new Scenario('dash');
let watch: JobWatch | undefined;
let browser: Browser | undefined;
let r1: string[] = [];
let dashboard = '';
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

/** Waits until every image of the page has loaded (a screenshot shows them). */
async function imagesLoaded(page: Page): Promise<void> {
  type Doc = { document: { images: ArrayLike<{ complete: boolean; naturalWidth: number }> } };
  await page.waitForFunction(() => Array.from((globalThis as unknown as Doc).document.images).every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 60_000 });
}

const DESKTOP = { viewport: { width: 1280, height: 800 } };
const TABLET = { viewport: { width: 820, height: 1180 }, hasTouch: true, isMobile: true, deviceScaleFactor: 1 };

beforeAll(async () => {
  const started = Promise.all([
    scenario.startSedna(),
    scenario.prepareModelAndFrames(),
    scenario.generate({ prefix: 'r1', count: 64, seed: 101, cameras: 'lit' }).then((lines) => (r1 = lines)),
  ]);
  browser = await launchChromium();
  await started;
  dashboard = (JSON.parse(readFileSync(join(scenario.dataDir, 'endpoint.json'), 'utf8')) as { dashboard: string }).dashboard;
}, 300_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  watch?.stop();
  await scenario.cleanUp();
});

/** A new browser context (its own cookies) at a size. */
async function open(options: typeof DESKTOP | typeof TABLET): Promise<Page> {
  const context = await (browser as Browser).newContext(options);
  contexts.push(context);
  const page = await context.newPage();
  // A script error of the pages fails the test that saw it.
  page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  return page;
}

/** The one-time sign-in link `sedna up` printed. */
function signInLink(): string {
  const link = /sign in once\s+(\S+)/.exec(scenario.up?.output() ?? '')?.[1];
  if (!link) throw new Error(`sedna up printed no sign-in link:\n${scenario.up?.output()}`);
  return link;
}

/** Signs a page in through the sign-in page with the kubeconfig's token (the one-time link is used once). */
async function signIn(page: Page, token = (JSON.parse(readFileSync(join(scenario.dataDir, 'endpoint.json'), 'utf8')) as { apiToken: string }).apiToken): Promise<void> {
  await page.goto(`${dashboard}/login`);
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${dashboard}/`);
}

let visits = 0;
/** Loads a page of the dashboard afresh (a new query, so not a same-document hash change). */
async function visit(page: Page, hash: string): Promise<void> {
  await page.goto(`${dashboard}/?visit=${++visits}${hash}`);
}

const mean = (v: number | number[]) => (typeof v === 'number' ? v : v.reduce((a, b) => a + b, 0) / v.length);
const jobPath = '#/jobs/incrementallearningjobs/default/dash';
const indexLines = () => readFileSync(scenario.index, 'utf8').split('\n').filter(Boolean);

/** The gate metric of each finished round as the job's status records it (the deploy conditions' decisions). */
function statusMetrics(job: IncrementalLearningJob): Array<{ round: number; value: number }> {
  const seen = new Map<number, number>();
  for (const c of conditionsOf(job)) {
    if (c.stage !== 'Deploy' || !c.data) continue;
    const d = (JSON.parse(c.data) as { decision?: { round: number; metric: string; compared: Record<string, number | number[]> } }).decision;
    if (d) seen.set(d.round, mean(d.compared[d.metric] as number | number[]));
  }
  return [...seen].map(([round, value]) => ({ round, value }));
}

test('without a session: the API answers 401 and pages lead to the sign-in page', async () => {
  expect((await fetch(`${dashboard}/api/watch`)).status).toBe(401);
  expect((await fetch(`${dashboard}/api/gm/jobs/incrementallearningjobs/default/dash/hard-examples`)).status).toBe(401);
  const page = await open(DESKTOP);
  await page.goto(dashboard);
  expect(new URL(page.url()).pathname).toBe('/login');
  await screenshot(page, 'desktop-login');
});

test('desktop: a round completes live; the chart has one point per finished round with the values in status; the timeline lists each stage with its reason', async () => {
  const yaml = scenario.jobYaml().replace(/(kind: IncrementalLearningJob\nmetadata:\n {2}name: dash\n)/, '$1  annotations:\n    sedna.io/class-names: "left,right"\n');
  await sednaOk(scenario.dataDir, ['apply', '-f', '-'], { stdin: yaml });
  watch = new JobWatch(scenario.dataDir, 'dash');
  await watch.untilCondition({ round: 0, stage: 'Train', type: 'Waiting' });

  const page = await open(DESKTOP);
  const link = signInLink();
  await page.goto(link);
  await page.locator('tr[data-job="dash"]').waitFor();
  // The link signs in once.
  expect((await fetch(link)).status).toBe(401);
  await screenshot(page, 'desktop-jobs');

  await visit(page, `${jobPath}`);
  await page.getByTestId('job-round').waitFor();
  await page.evaluate('window.loadedOnce = true');
  scenario.append(r1);
  const job = await watch.untilRoundEnds(1);
  // The page saw it without a reload.
  await page.locator('.round[data-round="1"] .badge', { hasText: 'Deploy' }).waitFor({ timeout: 60_000 });
  expect(await page.evaluate('window.loadedOnce')).toBe(true);

  const expected = statusMetrics(job);
  expect(expected.map((p) => p.round)).toEqual([1]);
  await eventually('the chart drawn', async () => ((await page.getByTestId('metrics-chart').getAttribute('data-points')) === String(expected.length) ? true : undefined), 30_000);
  expect(await page.locator('[data-testid="metrics-chart"] canvas').count()).toBe(1);
  const shown = await page.locator('[data-testid="metrics-table"] tbody tr').evaluateAll((rows) => rows.map((r) => ({ round: Number(r.getAttribute('data-round')), value: Number(r.querySelector('[data-testid="metric-value"]')?.textContent) })));
  expect(shown.map((p) => p.round)).toEqual(expected.map((p) => p.round));
  shown.forEach((p, i) => expect(p.value).toBeCloseTo(expected[i]?.value as number, 4));

  // Every stage of round 1 with every reason its conditions carry.
  const round1 = conditionsOf(job).filter((c) => c.round === 1);
  // One entry per stage entered, in order (the round ends with Train Waiting for the next one).
  const stages = await page.locator('.round[data-round="1"] li[data-stage]').evaluateAll((li) => li.map((l) => l.getAttribute('data-stage')));
  expect(stages).toEqual(round1.map((c) => c.stage).filter((s, i, all) => s !== all[i - 1]));
  const reasons = await page.locator('.round[data-round="1"] [data-testid="reason"]').allTextContents();
  expect(reasons.sort()).toEqual(round1.map((c) => c.reason).filter((r): r is string => Boolean(r)).sort());
  expect(await page.getByTestId('decisions').textContent()).toContain('Round 1: Deploy');
  expect(await page.getByTestId('lineage').textContent()).toContain('the model of round 1');
  expect(await scrollsHorizontally(page)).toBe(false);
  await screenshot(page, 'desktop-job');
});

test('labelling: a moved box (mouse), a new box and an accepted answer (touch); the dataset grows by three and the next round starts', async () => {
  const desktop = await open(DESKTOP);
  await signIn(desktop);
  await visit(desktop, `${jobPath}/hard-examples`);
  await eventually('three hard examples in the queue', async () => {
    await desktop.reload();
    const n = Number(await desktop.getByTestId('queue-count').textContent({ timeout: 10_000 }));
    return n >= 3 ? n : undefined;
  });
  // The round filter shows the examples of one model version, with their count.
  const versions = (await desktop.getByTestId('filter-round').locator('option').evaluateAll((o) => o.map((x) => x.getAttribute('value')))).filter((v): v is string => Boolean(v));
  expect(versions).toContain('initial');
  for (const v of versions) {
    await desktop.getByTestId('filter-round').selectOption(v);
    const shown = await desktop.getByTestId('hard-example').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-version')));
    expect(new Set(shown)).toEqual(new Set([v]));
    expect(await desktop.getByTestId('shown-count').textContent()).toBe(`${shown.length} shown`);
  }
  await desktop.getByTestId('filter-round').selectOption('');
  const before = indexLines().length;
  expect(await desktop.getByTestId('dataset-count').textContent()).toBe(String(before));
  expect(await scrollsHorizontally(desktop)).toBe(false);
  await imagesLoaded(desktop);
  await screenshot(desktop, 'desktop-hard-examples');

  // 1. Mouse: a box placed, then moved by dragging it.
  await desktop.getByTestId('label-link').first().click();
  // The canvas is there once the image has loaded (its size is known).
  await desktop.getByTestId('label-canvas').waitFor();
  await desktop.getByTestId('use-boxes').click();
  await desktop.getByTestId('label-box').first().waitFor();
  const box = (await desktop.getByTestId('label-box').first().boundingBox())!;
  await desktop.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await desktop.mouse.down();
  await desktop.mouse.move(box.x + box.width / 2 - box.width / 5, box.y + box.height / 2 - box.height / 5, { steps: 5 });
  await desktop.mouse.up();
  await screenshot(desktop, 'desktop-label');
  const moved = (await desktop.getByTestId('label-box').first().boundingBox())!;
  expect(moved.x).toBeLessThan(box.x);
  const firstId = decodeURIComponent(/label\/([^/]+)$/.exec(desktop.url())?.[1] ?? '');
  await desktop.getByTestId('save').click();
  await eventually('the moved box in the index', () => indexLines().find((l) => l.startsWith(`labelled/${firstId}.`)));
  const movedLine = indexLines().find((l) => l.startsWith(`labelled/${firstId}.`)) as string;
  expect(movedLine).toMatch(/^labelled\/\S+\.png \d+,\d+,\d+,\d+,\d+$/);

  // 2 and 3 on the tablet, by touch: a box drawn on the image, then the model's answer accepted.
  const tablet = await open(TABLET);
  await signIn(tablet);
  await visit(tablet, `${jobPath}/hard-examples`);
  await tablet.getByTestId('label-link').first().waitFor().catch(async (error: unknown) => {
    await screenshot(tablet, 'tablet-hard-examples-failed');
    throw error;
  });
  expect(await scrollsHorizontally(tablet)).toBe(false);
  await imagesLoaded(tablet);
  await screenshot(tablet, 'tablet-hard-examples');
  await tablet.getByTestId('label-link').first().tap();
  const canvas = tablet.getByTestId('label-canvas');
  await canvas.waitFor();
  const area = (await canvas.boundingBox())!;
  await touchDrag(tablet, area.x + area.width * 0.2, area.y + area.height * 0.3, area.x + area.width * 0.7, area.y + area.height * 0.8);
  expect(await tablet.getByTestId('label-box').count()).toBe(1);
  await tablet.getByTestId('class-1').tap();
  expect(await scrollsHorizontally(tablet)).toBe(false);
  await screenshot(tablet, 'tablet-label');
  const secondId = decodeURIComponent(/label\/([^/]+)$/.exec(tablet.url())?.[1] ?? '');
  await tablet.getByTestId('save').tap();
  await eventually('the drawn box in the index', () => indexLines().find((l) => l.startsWith(`labelled/${secondId}.`)));
  expect(indexLines().find((l) => l.startsWith(`labelled/${secondId}.`))).toMatch(/^labelled\/\S+\.png \d+,\d+,\d+,\d+,1$/);

  await eventually('the next example', async () => {
    const id = decodeURIComponent(/label\/([^/]+)$/.exec(tablet.url())?.[1] ?? '');
    return id && id !== secondId && (await tablet.getByTestId('accept').count()) > 0 ? id : undefined;
  });
  const thirdId = decodeURIComponent(/label\/([^/]+)$/.exec(tablet.url())?.[1] ?? '');
  await tablet.getByTestId('accept').tap();
  await eventually('the accepted answer in the index', () => indexLines().find((l) => l.startsWith(`labelled/${thirdId}.`)));
  expect(indexLines().find((l) => l.startsWith(`labelled/${thirdId}.`))).toMatch(/^labelled\/\S+\.png [01]$/);
  expect(indexLines().length).toBe(before + 3);

  // Skip by touch: the example moves to the skipped list (nothing is written to the index), and is restored from it.
  await visit(tablet, `${jobPath}/hard-examples`);
  await tablet.getByTestId('label-link').first().tap();
  await tablet.getByTestId('skip').waitFor();
  const skippedId = decodeURIComponent(/label\/([^/]+)$/.exec(tablet.url())?.[1] ?? '');
  await tablet.getByTestId('skip').tap();
  await eventually('the next example after the skip', () => (decodeURIComponent(/label\/([^/]+)$/.exec(tablet.url())?.[1] ?? '') !== skippedId ? true : undefined), 30_000);
  await visit(tablet, `${jobPath}/hard-examples`);
  await tablet.getByTestId('list').selectOption('skipped');
  const skippedCard = tablet.locator(`[data-testid="hard-example"][data-id="${skippedId}"]`);
  await skippedCard.waitFor().catch(async (error: unknown) => {
    await screenshot(tablet, 'tablet-skipped-failed');
    throw error;
  });
  expect(await tablet.getByTestId('skipped-count').textContent()).toBe('1');
  await skippedCard.getByRole('button', { name: 'Restore' }).tap();
  await skippedCard.waitFor({ state: 'detached' });
  expect(await tablet.getByTestId('skipped-count').textContent()).toBe('0');
  await tablet.getByTestId('list').selectOption('queue');
  await tablet.locator(`[data-testid="hard-example"][data-id="${skippedId}"]`).waitFor();
  expect(indexLines().length).toBe(before + 3);

  // The dataset's count grows (the LC read the appended lines), the gallery says so, and a round starts.
  await eventually('the Dataset counting the labels', async () => ((await getJson<{ status?: { numberOfSamples?: number } }>(scenario.dataDir, ['dataset', 'dash-data'])).status?.numberOfSamples === before + 3 ? true : undefined));
  await visit(desktop, `${jobPath}/hard-examples`);
  await eventually('the gallery showing the new count', async () => ((await desktop.getByTestId('dataset-count').textContent()) === String(before + 3) ? true : undefined), 30_000);
  await visit(desktop, `${jobPath}`);
  await desktop.getByTestId('job-round').waitFor();
  await sednaOk(scenario.dataDir, ['trigger', 'train', 'dash']);
  await desktop.locator('.round[data-round="2"]').waitFor({ timeout: 120_000 });
  expect(await desktop.getByTestId('job-round').textContent()).toBe('2');
  await screenshot(desktop, 'desktop-job-round-2');

  // The tablet's job page and jobs page fit its width too.
  await visit(tablet, `${jobPath}`);
  await tablet.locator('.round[data-round="1"]').waitFor();
  expect(await scrollsHorizontally(tablet)).toBe(false);
  await screenshot(tablet, 'tablet-job');
  await visit(tablet, '#/');
  await tablet.locator('tr[data-job="dash"]').waitFor();
  expect(await scrollsHorizontally(tablet)).toBe(false);
  await screenshot(tablet, 'tablet-jobs');
});

test('a user whose RBAC allows reading jobs but not updating them sees the hard examples and cannot label', async () => {
  const kc = new KubeConfig();
  kc.loadFromFile(join(scenario.dataDir, 'kubeconfig'));
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'viewer' } } });
  await rbac.createClusterRole({
    body: {
      metadata: { name: 'sedna-viewer' },
      rules: [
        { apiGroups: ['sedna.io'], resources: ['incrementallearningjobs', 'lifelonglearningjobs'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods', 'events', 'pods/log'], verbs: ['get', 'list', 'watch'] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: 'viewer-reads' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'sedna-viewer' }, subjects: [{ kind: 'ServiceAccount', name: 'viewer', namespace: 'default' }] } });
  const token = (await core.createNamespacedServiceAccountToken({ name: 'viewer', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 3600 } } })).status?.token as string;

  const page = await open(DESKTOP);
  await page.goto(`${dashboard}/login`);
  await page.locator('#token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  expect(await page.getByRole('alert').textContent()).toContain('does not accept this token');
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('tr[data-job="dash"]').waitFor();
  await visit(page, `${jobPath}/hard-examples`);
  await page.getByTestId('label-link').first().click();
  await page.getByTestId('accept').click();
  await expect(page.getByTestId('label-message').textContent()).resolves.toContain('user "system:serviceaccount:default:viewer" may not update incrementallearningjobs.sedna.io default/dash');
  await screenshot(page, 'desktop-label-denied');
});
