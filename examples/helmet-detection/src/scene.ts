/**
 * Procedural construction-site scenes: a frame id gives a scene (its SVG, its lighting and noise, and
 * the true boxes of every head), deterministically. Nothing here renders pixels (see `render.ts`), so
 * the labeller can regenerate the true boxes of any frame without sharp.
 */
import { HelmetError } from './errors.js';
import { Random } from './random.js';
import { FRAME_HEIGHT, FRAME_WIDTH, HEAD, HELMET, scenarioOf, type ScenarioName, type ScenarioSpec } from './scenarios.js';

/** A labelled box in frame pixels, as in the index format `x1,y1,x2,y2,cls`. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** `HELMET` (0) or `HEAD` (1). */
  cls: number;
}

/** What a worker wears on the head. */
export type Headwear = 'helmet' | 'hair' | 'bald' | 'cap' | 'beanie';

/** One worker of a scene. */
export interface Worker {
  cx: number;
  /** Centre of the skull. */
  headY: number;
  /** Half the skull height. */
  r: number;
  headwear: Headwear;
  facing: 'front' | 'back' | 'side';
  box: Box;
}

/** Per-pixel effects applied after rendering. */
export interface Lighting {
  gain: number;
  /** Multipliers for R, G, B. */
  cast: [number, number, number];
  /** Brightness ramp: `1 + slope * (t - 0.5)` along the direction `angle` (radians). */
  slope: number;
  angle: number;
  /** Gaussian noise standard deviation (0-255 units). */
  noise: number;
}

/** Kinds of clutter: several take the site's hard-hat colours (hard negatives). */
export type ClutterKind = 'cone' | 'barrel' | 'bucket' | 'loose-helmet' | 'sign' | 'ball' | 'pipe';

/** One clutter object: where it stands and how big it is. */
export interface ClutterItem {
  kind: ClutterKind;
  x: number;
  y: number;
  size: number;
  colour: string;
  /** Drawn in front of the workers (kept off their heads) or behind them. */
  inFront: boolean;
}

/** A generated scene. */
export interface Scene {
  id: string;
  scenario: ScenarioName;
  width: number;
  height: number;
  svg: string;
  workers: Worker[];
  /** The true boxes, one per worker (helmet or head), in frame pixels. */
  boxes: Box[];
  clutter: ClutterItem[];
  lighting: Lighting;
}

/** The parts of a frame id `<scenario>-<seed>-<index>`. */
export interface FrameIdParts {
  scenario: ScenarioName;
  seed: number;
  index: number;
}

const ID_PATTERN = /^([ABC])-(\d{1,9})-(\d{1,9})$/;

/** The canonical frame id: `B-7-000042` (index padded to 6 digits so file names sort). */
export function frameId(scenario: ScenarioName, seed: number, index: number): string {
  for (const [name, v] of [
    ['seed', seed],
    ['index', index],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 999_999_999) throw new HelmetError('INVALID_FRAME_ID', `frameId: ${name}: ${JSON.stringify(v)} is not an integer in [0, 999999999]`);
  }
  scenarioOf(scenario);
  return `${scenario}-${seed}-${String(index).padStart(6, '0')}`;
}

/** Parses a frame id (or a file name starting with one, such as `B-7-000042.jpg`). */
export function parseFrameId(text: string): FrameIdParts {
  const stem = text.replace(/^.*\//, '').replace(/\.[a-z]+$/i, '');
  const match = ID_PATTERN.exec(stem);
  if (!match) throw new HelmetError('INVALID_FRAME_ID', `frame id: ${JSON.stringify(text)} is not <A|B|C>-<seed>-<index>`);
  return { scenario: match[1] as ScenarioName, seed: Number(match[2]), index: Number(match[3]) };
}

/** The true boxes of a frame, from its id alone (what the labeller uses). */
export function trueBoxes(id: string): Box[] {
  return generateScene(id).boxes;
}

const f = (n: number): string => (Math.round(n * 100) / 100).toString();

/** Mixes a `#rrggbb` colour towards black (`k < 1`) or white (`k > 1`). */
export function shade(hex: string, k: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const channels = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((c) => {
    const v = k <= 1 ? c * k : c + (255 - c) * (k - 1);
    return Math.max(0, Math.min(255, Math.round(v)));
  });
  return `#${channels.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

const SKIN = ['#f1c8a5', '#e0ac85', '#c68a62', '#9c6442', '#6e4630', '#f6d8c0'];
const HAIR = ['#1b1410', '#3b2616', '#6b4423', '#b08850', '#d8c090', '#7a7a7a', '#2a2a2a'];
const TROUSERS = ['#2b3a55', '#3a3a3a', '#4b4030', '#1f2a3a'];

/**
 * Generates the scene of a frame id. The same id always gives the same scene (SVG, boxes, lighting).
 *
 * @example
 * const scene = generateScene('A-1-000000');
 * scene.boxes; // [{x1, y1, x2, y2, cls}, ...] in frame pixels (192 x 144)
 */
export function generateScene(id: string): Scene {
  const parts = parseFrameId(id);
  const canonical = frameId(parts.scenario, parts.seed, parts.index);
  const spec = scenarioOf(parts.scenario);
  const rng = new Random(`helmet-scene:${canonical}`);
  const W = FRAME_WIDTH;
  const H = FRAME_HEIGHT;

  const back: string[] = [];
  background(rng, spec, W, H, back);
  const nClutter = rng.int(spec.clutter[0], spec.clutter[1]);
  const farClutter = Math.round(nClutter * 0.6);
  const items: ClutterItem[] = [];
  for (let i = 0; i < farClutter; i++) clutter(rng, spec, W, H, back, undefined, items);

  const workers = placeWorkers(rng, spec, W, H);
  const people: string[] = [];
  for (const w of workers) drawWorker(rng, spec, w, people);

  // Things in front: occluders across some heads, then near clutter kept off the heads.
  const front: string[] = [];
  for (const w of workers) if (rng.chance(spec.pOccluded)) occluder(rng, spec, w, front);
  for (let i = farClutter; i < nClutter; i++) clutter(rng, spec, W, H, front, workers, items);
  // Fog last, and its draws after every other: a scenario without fog draws exactly what it always did.
  if (spec.fog) fog(rng, spec.fog, W, H, front);

  const lighting: Lighting = {
    gain: rng.uniform(spec.gain[0], spec.gain[1]),
    cast: [rng.uniform(0.92, 1.08), rng.uniform(0.94, 1.06), rng.uniform(0.9, 1.1)],
    slope: rng.uniform(-0.35, 0.35),
    angle: rng.uniform(0, Math.PI * 2),
    noise: rng.uniform(spec.noise[0], spec.noise[1]),
  };
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${back.join('')}${people.join('')}${front.join('')}</svg>`;
  return { id: canonical, scenario: parts.scenario, width: W, height: H, svg, workers, boxes: workers.map((w) => w.box), clutter: items, lighting };
}

// ------------------------------------------------------------------ background

function background(rng: Random, spec: ScenarioSpec, W: number, H: number, out: string[]): void {
  const dark = spec.background === 'dark';
  const horizon = rng.uniform(0.3, 0.55) * H;
  const skyTop = dark ? rng.pick(['#05070c', '#0b1020', '#121212', '#0d1418']) : rng.pick(['#8fb8e0', '#b9d3ea', '#d6dde4', '#a7c4d9']);
  const skyLow = dark ? shade(skyTop, 1.15) : shade(skyTop, 1.35);
  const ground = dark ? rng.pick(['#1a1a1c', '#202426', '#1c1812', '#262626']) : rng.pick(['#b49a72', '#9c8f7e', '#a8a29a', '#8e7b5c']);
  out.push(
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${skyTop}"/><stop offset="1" stop-color="${skyLow}"/></linearGradient></defs>`,
    `<rect width="${W}" height="${H}" fill="url(#sky)"/>`,
    `<rect y="${f(horizon)}" width="${W}" height="${f(H - horizon)}" fill="${ground}"/>`,
  );
  // Buildings and walls.
  const nBlocks = rng.int(1, 4);
  for (let i = 0; i < nBlocks; i++) {
    const w = rng.uniform(0.15, 0.5) * W;
    const x = rng.uniform(-0.1 * W, W - 0.2 * W);
    const top = rng.uniform(0.02, 0.3) * H;
    const wall = dark ? rng.pick(['#2a2e33', '#1e2226', '#33302c', '#23272e']) : rng.pick(['#b8b4ac', '#9ea3a8', '#c9a27e', '#8f8a80', '#a65a3a']);
    out.push(`<rect x="${f(x)}" y="${f(top)}" width="${f(w)}" height="${f(horizon - top + 2)}" fill="${wall}"/>`);
    const rows = rng.int(1, 4);
    const cols = rng.int(2, 6);
    const win = dark ? (rng.chance(0.5) ? '#e8d9a0' : '#0a0a0a') : rng.pick(['#5d7590', '#3e4a57', '#cfd8e0']);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        if (rng.chance(0.25)) continue;
        const wx = x + ((c + 0.25) * w) / cols;
        const wy = top + ((r + 0.3) * (horizon - top)) / (rows + 0.5);
        out.push(`<rect x="${f(wx)}" y="${f(wy)}" width="${f((0.5 * w) / cols)}" height="${f((0.4 * (horizon - top)) / (rows + 0.5))}" fill="${win}"/>`);
      }
    }
  }
  // Scaffolding: poles and ledgers.
  if (rng.chance(0.6)) {
    const x0 = rng.uniform(0, W * 0.7);
    const span = rng.uniform(0.2, 0.5) * W;
    const pole = dark ? '#4a4a4a' : rng.pick(['#7d7d7d', '#c06020', '#a0a0a0']);
    const width = rng.uniform(1, 2.2);
    for (let i = 0; i <= 3; i++) {
      const x = x0 + (span * i) / 3;
      out.push(`<line x1="${f(x)}" y1="${f(rng.uniform(0, 0.2) * H)}" x2="${f(x)}" y2="${f(horizon + 4)}" stroke="${pole}" stroke-width="${f(width)}"/>`);
    }
    for (let j = 0; j < 3; j++) {
      const y = rng.uniform(0.1, 0.9) * horizon;
      out.push(`<line x1="${f(x0)}" y1="${f(y)}" x2="${f(x0 + span)}" y2="${f(y)}" stroke="${pole}" stroke-width="${f(width)}"/>`);
    }
  }
  // Floodlights at night, sun glare by day.
  if (dark) {
    const n = rng.int(0, 3);
    for (let i = 0; i < n; i++) {
      const x = rng.uniform(0, W);
      const y = rng.uniform(0, horizon);
      out.push(`<circle cx="${f(x)}" cy="${f(y)}" r="${f(rng.uniform(1.5, 4))}" fill="#fff6d0"/>`);
      out.push(`<circle cx="${f(x)}" cy="${f(y)}" r="${f(rng.uniform(8, 20))}" fill="#fff2c0" fill-opacity="0.12"/>`);
    }
  }
  // Ground texture: patches, puddles, planks.
  for (let i = 0, n = rng.int(2, 6); i < n; i++) {
    const x = rng.uniform(0, W);
    const y = rng.uniform(horizon, H);
    out.push(`<ellipse cx="${f(x)}" cy="${f(y)}" rx="${f(rng.uniform(6, 30))}" ry="${f(rng.uniform(2, 6))}" fill="${shade(ground, rng.uniform(0.7, 1.2))}"/>`);
  }
}

/** A haze over the frame: a grey-white veil, denser towards the horizon band. */
function fog(rng: Random, range: readonly [number, number], W: number, H: number, out: string[]): void {
  const opacity = rng.uniform(range[0], range[1]);
  const tint = rng.pick(['#d9dde0', '#e4e6e2', '#cfd5da']);
  const band = rng.uniform(0.3, 0.6) * H;
  out.push(
    `<defs><linearGradient id="fog" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${tint}" stop-opacity="${f(opacity * 0.8)}"/>` +
      `<stop offset="${f(band / H)}" stop-color="${tint}" stop-opacity="${f(Math.min(0.85, opacity * 1.2))}"/><stop offset="1" stop-color="${tint}" stop-opacity="${f(opacity * 0.7)}"/></linearGradient></defs>`,
    `<rect width="${W}" height="${H}" fill="url(#fog)"/>`,
  );
}

// ------------------------------------------------------------------ clutter

function overlapsHeads(x1: number, y1: number, x2: number, y2: number, workers: readonly Worker[]): boolean {
  for (const w of workers) {
    const b = w.box;
    const ix = Math.max(0, Math.min(x2, b.x2) - Math.max(x1, b.x1));
    const iy = Math.max(0, Math.min(y2, b.y2) - Math.max(y1, b.y1));
    if (ix * iy > 0.1 * (b.x2 - b.x1) * (b.y2 - b.y1)) return true;
  }
  return false;
}

function clutter(rng: Random, spec: ScenarioSpec, W: number, H: number, out: string[], avoid: readonly Worker[] | undefined, items: ClutterItem[]): void {
  const colour = rng.pick(spec.clutterColours);
  const s = rng.uniform(5, 20);
  const x = rng.uniform(0, W);
  const y = rng.uniform(0.35 * H, H);
  if (avoid !== undefined && overlapsHeads(x - s, y - 1.6 * s, x + s, y + 0.3 * s, avoid)) return;
  const kind = rng.pick<ClutterKind>(['cone', 'barrel', 'bucket', 'loose-helmet', 'sign', 'ball', 'pipe']);
  items.push({ kind, x, y, size: s, colour, inFront: avoid !== undefined });
  switch (kind) {
    case 'cone':
      out.push(`<polygon points="${f(x - 0.5 * s)},${f(y)} ${f(x + 0.5 * s)},${f(y)} ${f(x)},${f(y - 1.4 * s)}" fill="${colour}"/>`);
      out.push(`<rect x="${f(x - 0.32 * s)}" y="${f(y - 0.75 * s)}" width="${f(0.64 * s)}" height="${f(0.18 * s)}" fill="#f4f4f4"/>`);
      out.push(`<rect x="${f(x - 0.7 * s)}" y="${f(y - 0.1 * s)}" width="${f(1.4 * s)}" height="${f(0.15 * s)}" fill="${shade(colour, 0.7)}"/>`);
      break;
    case 'barrel':
      out.push(`<rect x="${f(x - 0.5 * s)}" y="${f(y - 1.3 * s)}" width="${f(s)}" height="${f(1.3 * s)}" fill="${colour}"/>`);
      out.push(`<ellipse cx="${f(x)}" cy="${f(y - 1.3 * s)}" rx="${f(0.5 * s)}" ry="${f(0.15 * s)}" fill="${shade(colour, 1.2)}"/>`);
      out.push(`<rect x="${f(x - 0.5 * s)}" y="${f(y - 0.9 * s)}" width="${f(s)}" height="${f(0.12 * s)}" fill="${shade(colour, 0.6)}"/>`);
      break;
    case 'bucket': {
      // An upside-down bucket: a dome-like shape in a helmet colour, with no face under it.
      out.push(`<polygon points="${f(x - 0.5 * s)},${f(y)} ${f(x + 0.5 * s)},${f(y)} ${f(x + 0.38 * s)},${f(y - 0.8 * s)} ${f(x - 0.38 * s)},${f(y - 0.8 * s)}" fill="${colour}"/>`);
      out.push(`<ellipse cx="${f(x)}" cy="${f(y)}" rx="${f(0.52 * s)}" ry="${f(0.1 * s)}" fill="${shade(colour, 0.75)}"/>`);
      break;
    }
    case 'loose-helmet': {
      // A hard hat on a shelf or the ground: not a worker's head, so not labelled.
      const r = 0.45 * s;
      out.push(`<path d="M${f(x - 0.95 * r)} ${f(y)} A${f(0.95 * r)} ${f(1.1 * r)} 0 0 1 ${f(x + 0.95 * r)} ${f(y)} Z" fill="${colour}"/>`);
      out.push(`<ellipse cx="${f(x)}" cy="${f(y)}" rx="${f(1.2 * r)}" ry="${f(0.16 * r)}" fill="${shade(colour, 0.85)}"/>`);
      break;
    }
    case 'sign':
      out.push(`<line x1="${f(x)}" y1="${f(y)}" x2="${f(x)}" y2="${f(y - 1.6 * s)}" stroke="#777" stroke-width="${f(0.12 * s)}"/>`);
      out.push(`<circle cx="${f(x)}" cy="${f(y - 1.6 * s)}" r="${f(0.45 * s)}" fill="${colour}" stroke="#f4f4f4" stroke-width="${f(0.08 * s)}"/>`);
      break;
    case 'ball':
      out.push(`<circle cx="${f(x)}" cy="${f(y - 0.4 * s)}" r="${f(0.4 * s)}" fill="${colour}"/>`);
      out.push(`<circle cx="${f(x - 0.12 * s)}" cy="${f(y - 0.52 * s)}" r="${f(0.12 * s)}" fill="#ffffff" fill-opacity="0.35"/>`);
      break;
    case 'pipe': {
      const len = rng.uniform(2, 5) * s;
      const angle = rng.uniform(-0.4, 0.4);
      out.push(
        `<line x1="${f(x - len / 2)}" y1="${f(y - Math.sin(angle) * len * 0.5)}" x2="${f(x + len / 2)}" y2="${f(y + Math.sin(angle) * len * 0.5)}" stroke="${colour}" stroke-width="${f(0.25 * s)}"/>`,
      );
      break;
    }
  }
}

// ------------------------------------------------------------------ workers

function headBox(cx: number, headY: number, r: number, headwear: Headwear): Box {
  let halfW: number;
  let top: number;
  switch (headwear) {
    case 'helmet':
      halfW = 1.18 * r;
      top = headY - 1.32 * r;
      break;
    case 'cap':
    case 'beanie':
      halfW = 0.9 * r;
      top = headY - 1.12 * r;
      break;
    default:
      halfW = 0.88 * r;
      top = headY - 1.06 * r;
  }
  return { x1: cx - halfW, y1: top, x2: cx + halfW, y2: headY + 1.02 * r, cls: headwear === 'helmet' ? HELMET : HEAD };
}

function round(box: Box, W: number, H: number): Box {
  const c = (v: number, max: number) => Math.max(0, Math.min(max, Math.round(v)));
  return { x1: c(box.x1, W), y1: c(box.y1, H), x2: c(box.x2, W), y2: c(box.y2, H), cls: box.cls };
}

/** Share of `box` (sampled on a 6x6 grid) not covered by the torsos and heads of `front`. */
function visibleShare(box: Box, front: readonly Worker[]): number {
  let visible = 0;
  for (let i = 0; i < 6; i++) {
    for (let j = 0; j < 6; j++) {
      const x = box.x1 + ((i + 0.5) * (box.x2 - box.x1)) / 6;
      const y = box.y1 + ((j + 0.5) * (box.y2 - box.y1)) / 6;
      const hidden = front.some((w) => {
        const b = w.box;
        const inHead = x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2;
        const inBody = Math.abs(x - w.cx) <= 1.6 * w.r && y >= w.headY + 0.9 * w.r;
        return inHead || inBody;
      });
      if (!hidden) visible++;
    }
  }
  return visible / 36;
}

function placeWorkers(rng: Random, spec: ScenarioSpec, W: number, H: number): Worker[] {
  const wanted = rng.pick([1, 1, 2, 2, 2, 3, 3, 4]);
  const candidates: Worker[] = [];
  for (let attempt = 0; attempt < 40 && candidates.length < wanted; attempt++) {
    const r = rng.uniform(spec.headRadius[0], spec.headRadius[1]);
    const headwear = pickHeadwear(rng, spec);
    const cx = rng.uniform(1.3 * r + 1, W - 1.3 * r - 1);
    const headY = rng.uniform(1.4 * r + 1, 0.78 * H);
    const facing = rng.pick(['front', 'front', 'front', 'side', 'back'] as const);
    const box = round(headBox(cx, headY, r, headwear), W, H);
    const worker: Worker = { cx, headY, r, headwear, facing, box };
    // Farther (smaller) workers are drawn first; keep every head at least 60% visible.
    const all = [...candidates, worker].sort((a, b) => a.r - b.r);
    const ok = all.every((w, i) => visibleShare(w.box, all.slice(i + 1)) >= 0.6);
    if (ok) candidates.push(worker);
  }
  return candidates.sort((a, b) => a.r - b.r);
}

function pickHeadwear(rng: Random, spec: ScenarioSpec): Headwear {
  if (rng.chance(spec.pHelmet)) return 'helmet';
  if (rng.chance(spec.pCap)) return rng.chance(0.7) ? 'cap' : 'beanie';
  return rng.chance(0.85) ? 'hair' : 'bald';
}

function drawWorker(rng: Random, spec: ScenarioSpec, w: Worker, out: string[]): void {
  const { cx, headY, r } = w;
  const skin = rng.pick(SKIN);
  const vest = rng.pick(spec.vestColours);
  const shirt = rng.pick(['#3a5a8c', '#5a5a5a', '#8c3a3a', '#2c2c2c', '#d8d8d0']);
  const trousers = rng.pick(TROUSERS);
  // Legs, torso with a hi-vis vest, arms, neck.
  const torsoTop = headY + 1.25 * r;
  const torsoH = 3.6 * r;
  out.push(`<rect x="${f(cx - 1.2 * r)}" y="${f(torsoTop + torsoH - 0.2 * r)}" width="${f(1.05 * r)}" height="${f(3.8 * r)}" fill="${trousers}"/>`);
  out.push(`<rect x="${f(cx + 0.15 * r)}" y="${f(torsoTop + torsoH - 0.2 * r)}" width="${f(1.05 * r)}" height="${f(3.8 * r)}" fill="${trousers}"/>`);
  const armAngle = rng.uniform(-20, 20);
  out.push(
    `<rect x="${f(cx - 1.95 * r)}" y="${f(torsoTop + 0.1 * r)}" width="${f(0.6 * r)}" height="${f(3.2 * r)}" rx="${f(0.3 * r)}" fill="${shirt}" transform="rotate(${f(armAngle)} ${f(cx - 1.65 * r)} ${f(torsoTop)})"/>`,
    `<rect x="${f(cx + 1.35 * r)}" y="${f(torsoTop + 0.1 * r)}" width="${f(0.6 * r)}" height="${f(3.2 * r)}" rx="${f(0.3 * r)}" fill="${shirt}" transform="rotate(${f(-armAngle)} ${f(cx + 1.65 * r)} ${f(torsoTop)})"/>`,
  );
  out.push(`<rect x="${f(cx - 1.45 * r)}" y="${f(torsoTop)}" width="${f(2.9 * r)}" height="${f(torsoH)}" rx="${f(0.5 * r)}" fill="${shirt}"/>`);
  out.push(`<rect x="${f(cx - 1.3 * r)}" y="${f(torsoTop + 0.1 * r)}" width="${f(2.6 * r)}" height="${f(torsoH * 0.85)}" rx="${f(0.35 * r)}" fill="${vest}"/>`);
  for (const k of [0.45, 0.65]) {
    out.push(`<rect x="${f(cx - 1.3 * r)}" y="${f(torsoTop + k * torsoH)}" width="${f(2.6 * r)}" height="${f(0.22 * r)}" fill="#e8e8e8"/>`);
  }
  out.push(`<rect x="${f(cx - 0.3 * r)}" y="${f(headY + 0.7 * r)}" width="${f(0.6 * r)}" height="${f(0.7 * r)}" fill="${shade(skin, 0.85)}"/>`);

  // Head: ears, skull, face.
  const hair = rng.pick(HAIR);
  out.push(`<ellipse cx="${f(cx - 0.78 * r)}" cy="${f(headY + 0.05 * r)}" rx="${f(0.14 * r)}" ry="${f(0.22 * r)}" fill="${shade(skin, 0.9)}"/>`);
  out.push(`<ellipse cx="${f(cx + 0.78 * r)}" cy="${f(headY + 0.05 * r)}" rx="${f(0.14 * r)}" ry="${f(0.22 * r)}" fill="${shade(skin, 0.9)}"/>`);
  out.push(`<ellipse cx="${f(cx)}" cy="${f(headY)}" rx="${f(0.78 * r)}" ry="${f(r)}" fill="${w.facing === 'back' && w.headwear !== 'bald' ? hair : skin}"/>`);
  if (w.facing !== 'back') {
    const side = w.facing === 'side' ? (rng.chance(0.5) ? 1 : -1) : 0;
    const eyes = side === 0 ? [-0.3, 0.3] : [0.3 * side];
    for (const ex of eyes) out.push(`<ellipse cx="${f(cx + ex * r)}" cy="${f(headY + 0.08 * r)}" rx="${f(0.1 * r)}" ry="${f(0.07 * r)}" fill="#2a1d18"/>`);
    out.push(`<line x1="${f(cx - 0.22 * r + side * 0.2 * r)}" y1="${f(headY + 0.55 * r)}" x2="${f(cx + 0.22 * r + side * 0.2 * r)}" y2="${f(headY + 0.55 * r)}" stroke="${shade(skin, 0.6)}" stroke-width="${f(0.08 * r)}"/>`);
    if (rng.chance(0.25)) {
      out.push(`<path d="M${f(cx - 0.6 * r)} ${f(headY + 0.4 * r)} Q${f(cx)} ${f(headY + 1.25 * r)} ${f(cx + 0.6 * r)} ${f(headY + 0.4 * r)}" fill="${shade(hair, 1.1)}"/>`);
    }
  }

  switch (w.headwear) {
    case 'helmet': {
      const colour = rng.pick(spec.helmetColours);
      const base = headY - 0.15 * r;
      out.push(`<path d="M${f(cx - 0.95 * r)} ${f(base)} A${f(0.95 * r)} ${f(1.15 * r)} 0 0 1 ${f(cx + 0.95 * r)} ${f(base)} Z" fill="${colour}"/>`);
      out.push(`<ellipse cx="${f(cx)}" cy="${f(base)}" rx="${f(1.18 * r)}" ry="${f(0.16 * r)}" fill="${shade(colour, 0.88)}"/>`);
      out.push(`<line x1="${f(cx)}" y1="${f(base - 1.12 * r)}" x2="${f(cx)}" y2="${f(base - 0.1 * r)}" stroke="${shade(colour, 0.8)}" stroke-width="${f(0.16 * r)}"/>`);
      out.push(`<ellipse cx="${f(cx - 0.35 * r)}" cy="${f(base - 0.7 * r)}" rx="${f(0.22 * r)}" ry="${f(0.3 * r)}" fill="#ffffff" fill-opacity="0.3"/>`);
      if (rng.chance(0.3)) out.push(`<rect x="${f(cx - 0.9 * r)}" y="${f(base - 0.35 * r)}" width="${f(1.8 * r)}" height="${f(0.12 * r)}" fill="#dcdcdc" fill-opacity="0.8"/>`);
      break;
    }
    case 'hair': {
      const long = rng.chance(0.3);
      out.push(`<path d="M${f(cx - 0.84 * r)} ${f(headY - 0.05 * r)} A${f(0.84 * r)} ${f(1.05 * r)} 0 0 1 ${f(cx + 0.84 * r)} ${f(headY - 0.05 * r)} Q${f(cx)} ${f(headY - 0.55 * r)} ${f(cx - 0.84 * r)} ${f(headY - 0.05 * r)} Z" fill="${hair}"/>`);
      if (long) {
        out.push(`<rect x="${f(cx - 0.88 * r)}" y="${f(headY - 0.2 * r)}" width="${f(0.25 * r)}" height="${f(0.9 * r)}" fill="${hair}"/>`);
        out.push(`<rect x="${f(cx + 0.63 * r)}" y="${f(headY - 0.2 * r)}" width="${f(0.25 * r)}" height="${f(0.9 * r)}" fill="${hair}"/>`);
      }
      break;
    }
    case 'bald':
      out.push(`<ellipse cx="${f(cx - 0.25 * r)}" cy="${f(headY - 0.6 * r)}" rx="${f(0.2 * r)}" ry="${f(0.14 * r)}" fill="#ffffff" fill-opacity="0.25"/>`);
      break;
    case 'cap': {
      const colour = rng.pick(spec.capColours);
      const base = headY - 0.25 * r;
      out.push(`<path d="M${f(cx - 0.86 * r)} ${f(base)} A${f(0.86 * r)} ${f(0.87 * r)} 0 0 1 ${f(cx + 0.86 * r)} ${f(base)} Z" fill="${colour}"/>`);
      if (w.facing === 'front') out.push(`<ellipse cx="${f(cx)}" cy="${f(base + 0.05 * r)}" rx="${f(0.72 * r)}" ry="${f(0.2 * r)}" fill="${shade(colour, 0.75)}"/>`);
      else if (w.facing === 'side') {
        const dir = rng.chance(0.5) ? 1 : -1;
        out.push(`<ellipse cx="${f(cx + dir * 0.95 * r)}" cy="${f(base + 0.02 * r)}" rx="${f(0.5 * r)}" ry="${f(0.12 * r)}" fill="${shade(colour, 0.75)}"/>`);
      }
      break;
    }
    case 'beanie': {
      const colour = rng.pick(spec.capColours);
      const base = headY - 0.2 * r;
      out.push(`<path d="M${f(cx - 0.86 * r)} ${f(base)} A${f(0.86 * r)} ${f(0.92 * r)} 0 0 1 ${f(cx + 0.86 * r)} ${f(base)} Z" fill="${colour}"/>`);
      out.push(`<rect x="${f(cx - 0.88 * r)}" y="${f(base - 0.3 * r)}" width="${f(1.76 * r)}" height="${f(0.32 * r)}" fill="${shade(colour, 0.8)}"/>`);
      break;
    }
  }
}

function occluder(rng: Random, spec: ScenarioSpec, w: Worker, out: string[]): void {
  // A beam, board or pipe across part of the head, hiding at most about a third of its box.
  const b = w.box;
  const bw = b.x2 - b.x1;
  const bh = b.y2 - b.y1;
  const colour = spec.background === 'dark' ? rng.pick(['#3a3a3a', '#5a4a3a', '#2e3440']) : rng.pick(['#8a6a48', '#7d7d7d', '#b5a58a', '#5f6b73']);
  if (rng.chance(0.5)) {
    // A pole: a vertical strip of the box, at its left or right edge.
    const width = rng.uniform(0.15, 0.35) * bw;
    const x = rng.chance(0.5) ? b.x1 - 0.1 * width : b.x2 - 0.9 * width;
    out.push(`<rect x="${f(x)}" y="${f(b.y1 - 2 * bh)}" width="${f(width)}" height="${f(5 * bh)}" fill="${colour}"/>`);
  } else {
    // A railing or a board: a horizontal strip across the chin or the middle of the head.
    const height = rng.uniform(0.15, 0.3) * bh;
    const y = rng.chance(0.5) ? b.y2 - height : b.y1 + rng.uniform(0.3, 0.6) * bh;
    const x = b.x1 - rng.uniform(0.5, 1.5) * bw;
    out.push(`<rect x="${f(x)}" y="${f(y)}" width="${f(rng.uniform(2.5, 4) * bw)}" height="${f(height)}" fill="${colour}"/>`);
  }
}
