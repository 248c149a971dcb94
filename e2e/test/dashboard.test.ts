// The dashboard as people use it, on the tray classifier's job on `sedna up`, in Chromium at a desktop
// size (1280x800, mouse) and a tablet size (820x1180, touch): signed in with the one-time link `sedna up`
// prints, it shows a round complete live (no reload: the page follows the watches the dashboard relays),
// a metrics chart with one point per finished round holding the values of the job's status, the stage
// timeline with each reason. Labels of both shapes: on the classifier (class labels, `path label`) a
// class chosen by mouse and the model's answer accepted by touch; on a second job of the same frames
// whose labels are boxes (`sedna.io/labels: boxes`, its inference worker saving the half of the tray the
// model picks as a box) the model's box moved by mouse and a new box drawn by touch; boxes for the
// classifier are refused. The classifier's dataset grows by its labels and the next round starts; the
// COCO export holds every labelled sample. Without a session the API answers 401; on every page (jobs,
// job, hard examples, label, export) a 401 (a restart, a sign-out elsewhere) leads to the sign-in page
// saying why and back to the page after signing in; a user whose RBAC allows reading jobs but not
// updating them sees the hard examples and cannot label them (the GM's SubjectAccessReview, answered by
// the embedded API server). Each page is saved as a screenshot (e2e/artifacts/dashboard).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/**
 * Waits until every image in the window has loaded (a screenshot shows them; no request of theirs is
 * still to come). The gallery's images load lazily: those below the window are not asked for yet.
 */
async function imagesLoaded(page: Page): Promise<void> {
  type Img = { complete: boolean; naturalWidth: number; getBoundingClientRect(): { top: number } };
  type Win = { innerHeight: number; document: { images: ArrayLike<Img> } };
  await page.waitForFunction(
    () => {
      const win = globalThis as unknown as Win;
      return Array.from(win.document.images)
        .filter((i) => i.getBoundingClientRect().top < win.innerHeight)
        .every((i) => i.complete && i.naturalWidth > 0);
    },
    undefined,
    { timeout: 60_000 },
  );
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
const boxesPath = '#/jobs/incrementallearningjobs/default/dash-boxes';
const indexLines = () => readFileSync(scenario.index, 'utf8').split('\n').filter(Boolean);
const boxesIndex = () => join(scenario.root, 'dataset-boxes', 'index.txt');
const boxesLines = () => readFileSync(boxesIndex(), 'utf8').split('\n').filter(Boolean);
/** The id of the hard example a label page shows. */
const labelId = (page: Page) => decodeURIComponent(/label\/([^/]+)$/.exec(page.url())?.[1] ?? '');

/**
 * The second job: the same frames and model, its own dataset index and output, labelled with boxes
 * (annotation `sedna.io/labels`), its inference worker saving each hard example's result as boxes.
 * Its trigger wants 48 samples: the two labels start no round.
 */
function boxesJobYaml(): string {
  mkdirSync(join(scenario.root, 'dataset-boxes'), { recursive: true });
  writeFileSync(boxesIndex(), '');
  const root = scenario.root;
  return scenario
    .jobYaml()
    .replaceAll('name: dash', 'name: dash-boxes')
    .replace(`${root}/dataset/index.txt`, `${root}/dataset-boxes/index.txt`)
    .replace(`outputDir: ${root}/output`, `outputDir: ${root}/output-boxes`)
    .replace(/(kind: IncrementalLearningJob\nmetadata:\n {2}name: dash-boxes\n)/, '$1  annotations:\n    sedna.io/class-names: "left,right"\n    sedna.io/labels: boxes\n')
    .replace(/( {14}- name: interval_ms\n {16}value: "200"\n)/, '$1              - name: result_shape\n                value: boxes\n');
}

/** The queue count of a hard-examples page, loaded afresh (hard examples come without a change of the job). */
async function queueCount(page: Page): Promise<number> {
  await page.reload();
  // '…' until the list has come.
  const count = page.getByTestId('queue-count').filter({ hasText: /^\d+$/ });
  await count.waitFor({ timeout: 30_000 });
  return Number(await count.textContent());
}

type Doc = { document: { querySelectorAll(s: string): ArrayLike<{ getAttribute(n: string): string | null }>; querySelector(s: string): { textContent: string | null } | null } };
/** The versions of the cards shown and the "N shown" count, read at one instant (hard examples keep coming). */
function gallerySnapshot(page: Page): Promise<{ versions: Array<string | null>; shown: string | null | undefined }> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as Doc).document;
    return { versions: Array.from(doc.querySelectorAll('[data-testid="hard-example"]')).map((c) => c.getAttribute('data-version')), shown: doc.querySelector('[data-testid="shown-count"]')?.textContent };
  });
}

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
  await sednaOk(scenario.dataDir, ['apply', '-f', '-'], { stdin: boxesJobYaml() });
  watch = new JobWatch(scenario.dataDir, 'dash');
  await watch.untilCondition({ round: 0, stage: 'Train', type: 'Waiting' });

  const page = await open(DESKTOP);
  const link = signInLink();
  await page.goto(link);
  await page.locator('tr[data-job="dash"]').waitFor();
  // The link signs in once.
  expect((await fetch(link)).status).toBe(401);
  expect(await scrollsHorizontally(page)).toBe(false);
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

test('labelling: a class chosen (mouse) and the answer accepted (touch) on the classifier, a moved box (mouse) and a new box (touch) on the box job; the dataset grows and the next round starts', async () => {
  const desktop = await open(DESKTOP);
  await signIn(desktop);
  await visit(desktop, `${jobPath}/hard-examples`);
  await eventually('three hard examples in the queue', async () => ((await queueCount(desktop)) >= 3 ? true : undefined));
  // The round filter shows the examples of one model version, with their count.
  const versions = (await desktop.getByTestId('filter-round').locator('option').evaluateAll((o) => o.map((x) => x.getAttribute('value')))).filter((v): v is string => Boolean(v));
  expect(versions).toContain('initial');
  for (const v of versions) {
    await desktop.getByTestId('filter-round').selectOption(v);
    // The GM filters (a page at a time): the gallery of this filter, loaded.
    await desktop.locator(`[data-testid="gallery"][data-filter="${v}||queue"][data-state="ready"]`).waitFor();
    const { versions: shown, shown: count } = await gallerySnapshot(desktop);
    expect(new Set(shown)).toEqual(new Set([v]));
    expect(count).toBe(`${shown.length} shown`);
  }
  await desktop.getByTestId('filter-round').selectOption('');
  await desktop.locator('[data-testid="gallery"][data-filter="||queue"][data-state="ready"]').waitFor();
  // An example that is not there (labelled, evicted or unknown): the label page says so and leads back.
  await visit(desktop, `${jobPath}/label/never-there`);
  expect(await desktop.getByTestId('label-missing').getAttribute('data-state')).toBe('gone');
  await desktop.getByTestId('label-missing').getByRole('link').click();
  await desktop.locator('[data-testid="gallery"][data-state="ready"]').waitFor();
  const before = indexLines().length;
  expect(await desktop.getByTestId('dataset-count').textContent()).toBe(String(before));
  expect(await scrollsHorizontally(desktop)).toBe(false);
  await imagesLoaded(desktop);
  await screenshot(desktop, 'desktop-hard-examples');

  // 1. Mouse, on the classifier: the other class than the model's, chosen and saved. Class labels only: no box tools.
  await desktop.getByTestId('label-link').first().click();
  await desktop.getByTestId('label-canvas').waitFor();
  // The image fits the window (at 1280x800 it was taller than the viewport).
  const fitted = await desktop.locator('.canvas img').boundingBox();
  expect(fitted && fitted.y + fitted.height).toBeLessThanOrEqual(DESKTOP.viewport.height);
  expect(await desktop.getByTestId('label-shape').getAttribute('data-shape')).toBe('class');
  expect(await desktop.getByTestId('use-boxes').count()).toBe(0);
  const predicted = await desktop.locator('.classes button.on').getAttribute('data-testid');
  const chosen = predicted === 'class-0' ? 1 : 0;
  await desktop.getByTestId(`class-${chosen}`).click();
  expect(await scrollsHorizontally(desktop)).toBe(false);
  await screenshot(desktop, 'desktop-label-class');
  const firstId = labelId(desktop);
  await desktop.getByTestId('save').click();
  await eventually('the chosen class in the index', () => indexLines().find((l) => l.startsWith(`labelled/${firstId}.`)));
  expect(indexLines().find((l) => l.startsWith(`labelled/${firstId}.`))).toBe(`labelled/${firstId}.png ${chosen}`);

  // Boxes for the classifier are refused through the whole path (page, dashboard, GM, LC), naming the field.
  const refused = await desktop.evaluate(async (url) => {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ boxes: [{ x1: 1, y1: 1, x2: 5, y2: 5, cls: 0 }] }) });
    return { status: res.status, body: (await res.json()) as { error: string } };
  }, `/api/gm/jobs/incrementallearningjobs/default/dash/hard-examples/${encodeURIComponent(labelId(desktop))}/label`);
  expect(refused.status).toBe(400);
  expect(refused.body.error).toContain('boxes [{"x1":1,"y1":1,"x2":5,"y2":5,"cls":0}]: IncrementalLearningJob default/dash labels one class per sample ("path label"), as line 1 of the index of Dataset default/dash-data');
  expect(indexLines().length).toBe(before + 1);

  // 2. Touch, on the classifier: the model's answer accepted.
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
  await tablet.getByTestId('accept').waitFor();
  const acceptedId = labelId(tablet);
  await tablet.getByTestId('accept').tap();
  await eventually('the accepted answer in the index', () => indexLines().find((l) => l.startsWith(`labelled/${acceptedId}.`)));
  expect(indexLines().find((l) => l.startsWith(`labelled/${acceptedId}.`))).toMatch(/^labelled\/\S+\.png [01]$/);
  expect(indexLines().length).toBe(before + 2);

  // 3. Mouse, on the box job: the model's box (the half of the tray it picked) moved towards the middle.
  const modelBoxes = ['0,0,8,16,0', '8,0,16,16,1'];
  await visit(desktop, `${boxesPath}/hard-examples`);
  await eventually('two hard examples of the box job', async () => ((await queueCount(desktop)) >= 2 ? true : undefined));
  await imagesLoaded(desktop);
  await screenshot(desktop, 'desktop-hard-examples-boxes');
  await desktop.getByTestId('label-link').first().click();
  await desktop.getByTestId('label-box').first().waitFor();
  expect(await desktop.getByTestId('label-shape').getAttribute('data-shape')).toBe('boxes');
  const area = (await desktop.getByTestId('label-canvas').boundingBox())!;
  const box = (await desktop.getByTestId('label-box').first().boundingBox())!;
  const towardsMiddle = box.x - area.x < area.width / 4 ? box.width / 4 : -box.width / 4;
  await desktop.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await desktop.mouse.down();
  await desktop.mouse.move(box.x + box.width / 2 + towardsMiddle, box.y + box.height / 2, { steps: 5 });
  await desktop.mouse.up();
  expect(await scrollsHorizontally(desktop)).toBe(false);
  await screenshot(desktop, 'desktop-label-boxes');
  const moved = (await desktop.getByTestId('label-box').first().boundingBox())!;
  expect(Math.sign(moved.x - box.x)).toBe(Math.sign(towardsMiddle));
  const movedId = labelId(desktop);
  await desktop.getByTestId('save').click();
  await eventually('the moved box in the index', () => boxesLines().find((l) => l.startsWith(`labelled/${movedId}.`)));
  const movedLine = boxesLines().find((l) => l.startsWith(`labelled/${movedId}.`)) as string;
  expect(movedLine).toMatch(/^labelled\/\S+\.png \d+,0,\d+,16,[01]$/);
  expect(modelBoxes).not.toContain(movedLine.split(' ')[1]);

  // 4. Touch, on the box job: the model's box deleted, class 1 chosen, a new box drawn by finger (it takes the chosen class).
  await visit(tablet, `${boxesPath}/hard-examples`);
  await tablet.getByTestId('label-link').first().tap();
  await tablet.getByTestId('label-box').first().waitFor();
  await tablet.getByTestId('label-box').first().tap();
  await tablet.getByRole('button', { name: 'Delete box (Del)' }).tap();
  expect(await tablet.getByTestId('label-box').count()).toBe(0);
  await tablet.getByTestId('class-1').tap();
  await tablet.locator('[data-testid="class-1"].on').waitFor();
  const canvas = (await tablet.getByTestId('label-canvas').boundingBox())!;
  await touchDrag(tablet, canvas.x + canvas.width * 0.2, canvas.y + canvas.height * 0.3, canvas.x + canvas.width * 0.7, canvas.y + canvas.height * 0.8);
  expect(await tablet.getByTestId('label-box').count()).toBe(1);
  // The new box is selected, with the chosen class.
  await tablet.locator('[data-testid="class-1"].on').waitFor();
  // Resized by its corner, by finger.
  const drawn = (await tablet.getByTestId('label-box').first().boundingBox())!;
  const handle = (await tablet.locator('[data-testid="label-canvas"] rect.handle').first().boundingBox())!;
  await touchDrag(tablet, handle.x + handle.width / 2, handle.y + handle.height / 2, handle.x + handle.width / 2 + canvas.width * 0.15, handle.y + handle.height / 2 + canvas.height * 0.1);
  const resized = (await tablet.getByTestId('label-box').first().boundingBox())!;
  expect(resized.width).toBeGreaterThan(drawn.width);
  expect(resized.x).toBeCloseTo(drawn.x, 0);
  expect(await scrollsHorizontally(tablet)).toBe(false);
  await screenshot(tablet, 'tablet-label');
  const drawnId = labelId(tablet);
  await tablet.getByTestId('save').tap();
  await eventually('the drawn box in the index', () => boxesLines().find((l) => l.startsWith(`labelled/${drawnId}.`)));
  const drawnLine = boxesLines().find((l) => l.startsWith(`labelled/${drawnId}.`)) as string;
  expect(drawnLine).toMatch(/^labelled\/\S+\.png \d+,\d+,\d+,\d+,1$/);
  // Drawn from 20% to 70% of the 16-pixel frame (8 pixels wide), then 15% wider.
  const [x1, , x2] = (drawnLine.split(' ')[1] as string).split(',').map(Number) as [number, number, number];
  expect(x2 - x1).toBeGreaterThan(8);
  expect(boxesLines()).toHaveLength(2);

  // Skip by touch: the example moves to the skipped list (nothing is written to the index), and is restored from it.
  await visit(tablet, `${jobPath}/hard-examples`);
  await tablet.getByTestId('label-link').first().tap();
  await tablet.getByTestId('skip').waitFor();
  const skippedId = labelId(tablet);
  await tablet.getByTestId('skip').tap();
  await eventually('the next example after the skip', () => (labelId(tablet) !== skippedId ? true : undefined), 30_000);
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
  expect(indexLines().length).toBe(before + 2);

  // The dataset's count grows (the LC read the appended lines), the gallery says so, and a round starts.
  await eventually('the Dataset counting the labels', async () => ((await getJson<{ status?: { numberOfSamples?: number } }>(scenario.dataDir, ['dataset', 'dash-data'])).status?.numberOfSamples === before + 2 ? true : undefined));
  await visit(desktop, `${jobPath}/hard-examples`);
  await eventually('the gallery showing the new count', async () => ((await desktop.getByTestId('dataset-count').textContent()) === String(before + 2) ? true : undefined), 30_000);
  // The COCO export: every labelled sample of the index, the chosen class among them.
  const [download] = await Promise.all([desktop.waitForEvent('download'), desktop.getByTestId('coco-export').click()]);
  expect(download.suggestedFilename()).toBe('dash-coco.json');
  const coco = JSON.parse(readFileSync(await download.path(), 'utf8')) as { images: Array<{ id: number; file_name: string }>; annotations: Array<{ image_id: number; category_id: number }> };
  expect(coco.images).toHaveLength(before + 2);
  const image = coco.images.find((i) => i.file_name === `labelled/${firstId}.png`);
  expect(coco.annotations.find((a) => a.image_id === image?.id)?.category_id).toBe(chosen);
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

/** The session cookie of a page's browser context. */
test('seven tabs of one browser all stay live and their requests answer (the tabs share one live stream)', async () => {
  // Found by a stranger's probe: each page held an SSE stream over HTTP/1.1, and Chromium opens 6
  // connections per host, so with 6 tabs open every request (and the 7th tab's stream) hung.
  const first = await open(DESKTOP);
  await signIn(first);
  const pages = [first, ...(await Promise.all(Array.from({ length: 6 }, () => first.context().newPage())))];
  const hashes = ['#/', jobPath, boxesPath, `${jobPath}/hard-examples`, '#/', jobPath, boxesPath];
  for (const [i, page] of pages.entries()) {
    if (i > 0) page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
    await visit(page, hashes[i] as string);
  }
  for (const page of pages) await live(page);
  const answers = await Promise.all(pages.map((page) => page.evaluate(async () => (await fetch('/api/session')).status)));
  expect(answers).toEqual(pages.map(() => 200));
  await pages[3]?.getByTestId('queue-count').filter({ hasText: /^\d+$/ }).waitFor();
  // The leading tab closes: another takes the stream over, and the others stay live.
  await first.close();
  await pages[1]?.reload();
  for (const page of pages.slice(1)) await live(page);
  await pages[1]?.getByTestId('job-round').waitFor();
  for (const page of pages.slice(1)) await page.close();
});

async function sessionCookieOf(page: Page): Promise<{ name: string; value: string; url: string }> {
  const cookie = (await page.context().cookies(dashboard)).find((c) => c.name === 'sedna_dashboard');
  if (!cookie) throw new Error('no session cookie');
  return { name: cookie.name, value: cookie.value, url: dashboard };
}

/** Ends the session of `cookie` from outside the browser (as a sign-out in another browser does): its live streams end. */
async function endSession(cookie: { name: string; value: string }): Promise<void> {
  await fetch(`${dashboard}/logout`, { method: 'POST', redirect: 'manual', headers: { Cookie: `${cookie.name}=${cookie.value}` } });
}

/**
 * What a restart of the dashboard does to a signed-in browser: its cookie names a session of an earlier
 * run (the run id before the dot is another). With `streams`, the streams it had open end too (their
 * retry meets the 401); without, only the page's next request does.
 */
async function restartSession(page: Page, streams: boolean): Promise<void> {
  const cookie = await sessionCookieOf(page);
  const [, id] = cookie.value.split('.');
  await page.context().addCookies([{ ...cookie, value: `earlier-run.${id}` }]);
  if (streams) await endSession(cookie);
}

/** Waits until the page's live stream is open (a stream still connecting would meet the 401 first). */
async function live(page: Page): Promise<void> {
  await page.locator('.live.on').waitFor();
}

/** Expects the sign-in page saying `reason`; signs in there and expects to be back at `url`. */
async function signInAgainAt(page: Page, url: string, reason: string, name: string): Promise<void> {
  await page.waitForURL((u) => u.pathname === '/login', { timeout: 60_000 });
  expect(new URL(page.url()).searchParams.get('reason')).toBe(reason);
  expect(await page.locator(`[data-reason="${reason}"]`).textContent()).toContain('You will be back on the page you were on.');
  expect(await scrollsHorizontally(page)).toBe(false);
  await screenshot(page, `desktop-login-${name}`);
  await page.locator('#token').fill((JSON.parse(readFileSync(join(scenario.dataDir, 'endpoint.json'), 'utf8')) as { apiToken: string }).apiToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.href === url);
}

test('a 401 on any page (a restart, a sign-out elsewhere) leads to the sign-in page saying why, and back to that page after signing in', async () => {
  const page = await open(DESKTOP);
  // The hard-example images come from the test here (a frame of the camera): a gallery's image asked for
  // after the cookie changed would meet the 401 before the request each step is about.
  const frames = join(scenario.root, 'frames');
  const frame = readFileSync(join(frames, readdirSync(frames).filter((f) => f.endsWith('.png'))[0] as string));
  await page.route(/\/hard-examples\/[^/]+\/image$/, (route) => route.fulfill({ body: frame, contentType: 'image/png' }));
  await signIn(page);
  const url = () => page.url();

  // Jobs page, live stream only: the dashboard restarted.
  await visit(page, '#/');
  await page.locator('tr[data-job="dash"]').waitFor();
  let here = url();
  await restartSession(page, true);
  await signInAgainAt(page, here, 'restarted', 'jobs');
  await page.locator('tr[data-job="dash"]').waitFor();

  // Job page: signed out somewhere else (the session ended; the browser still has its cookie).
  await visit(page, jobPath);
  await page.getByTestId('job-round').waitFor();
  here = url();
  await endSession(await sessionCookieOf(page));
  await signInAgainAt(page, here, 'signed-out', 'job');
  await page.getByTestId('job-round').waitFor();

  // The other pages' requests (their streams stay open): the hard examples asked again after a restart.
  // Round 2 over first: the hard-examples page asks for its list again whenever the job moves on.
  await (watch as JobWatch).untilRoundEnds(2);
  await visit(page, `${jobPath}/hard-examples`);
  await page.getByTestId('label-link').first().waitFor();
  await live(page);
  here = url();
  await restartSession(page, false);
  await page.getByTestId('list').selectOption('skipped');
  await signInAgainAt(page, here, 'restarted', 'hard-examples');
  await page.getByTestId('queue-count').waitFor();

  // COCO export after a restart.
  await page.getByTestId('queue-count').filter({ hasText: /^\d+$/ }).waitFor();
  await live(page);
  here = url();
  await restartSession(page, false);
  await page.getByTestId('coco-export').click();
  await signInAgainAt(page, here, 'restarted', 'export');

  // Label page: a save after a restart writes nothing.
  const lines = indexLines().length;
  await page.getByTestId('label-link').first().click();
  await page.getByTestId('accept').waitFor();
  await live(page);
  here = url();
  await restartSession(page, false);
  await page.getByTestId('accept').click();
  await signInAgainAt(page, here, 'restarted', 'label');
  await page.getByTestId('accept').waitFor();
  expect(indexLines().length).toBe(lines);
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
