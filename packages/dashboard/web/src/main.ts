/**
 * The dashboard's pages (Preact with htm, bundled by Vite): the jobs, one job (timeline, metrics,
 * decisions, lineage, knowledge base), its hard examples and their labelling. Live through one
 * EventSource per page; no polling.
 */
import { render, type ComponentChildren } from 'preact';
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { drawMetrics } from './chart.js';
import { boxLike, classNamesOf, servedBy, galleryQuery, labelBoxesOf, moveInside, normalizeBox, predictedClass, resultBoxes, type HardExampleList, type HardExampleOne, type HardExampleView, type LabelBox, type LabelShapeView, type MissingState } from './hardExamples.js';
import { age, currentOf, stripAnsi, decisionsOf, duration, lineageOf, metricPoints, roundsOf, type Job, type KnowledgeBase, type Round } from './jobModel.js';
import { follow, jobKey, type KubeObject, type LiveState } from './live.js';
import { apiFetch, checkSession } from './session.js';
import { parseRoute, type Route } from './routes.js';
import './styles.css';

function useRoute(): Route {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function useLive(job?: string): LiveState | undefined {
  const [state, setState] = useState<LiveState>();
  useEffect(() => follow(job, (s) => setState({ ...s })), [job]);
  return state;
}

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    // The clock of the "age" columns, not a data poll.
    const t = setInterval(() => setNow(Date.now()), 5000);
    return () => clearInterval(t);
  }, []);
  return now;
}

const kindShort = (kind?: string) => (kind === 'IncrementalLearningJob' ? 'incremental' : kind === 'LifelongLearningJob' ? 'lifelong' : (kind ?? ''));

function Layout({ title, children, live }: { title: string; children: ComponentChildren; live?: LiveState }) {
  return html`<header>
      <a href="#/" class="brand">Sedna</a>
      <h1>${title}</h1>
      <span class=${`live ${live?.connected ? 'on' : 'off'}`} title="live updates">${live?.connected ? 'live' : live?.signedOut ? 'signed out' : 'offline'}</span>
      <form method="post" action="/logout"><button type="submit" class="link">Sign out</button></form>
    </header>
    ${live?.signedOut ? html`<p class="error" role="alert" data-testid="signed-out">Signed out: going to the sign-in page…</p>` : null}
    ${live?.error && !live.signedOut ? html`<p class="error" role="alert">${live.error}</p>` : null}
    <main>${children}</main>`;
}

function servingOf(job: Job): string {
  const l = lineageOf(job);
  if (l.serving) return `${l.serving.trainedIn === 0 ? 'the initial model' : `round ${l.serving.trainedIn}`}${l.serving.round !== l.serving.trainedIn ? ` (deployed in ${l.serving.round})` : ''}`;
  if (job.status?.servingIndex) return `index of round ${job.status.servingIndex.round}`;
  return 'the initial model';
}

function JobsPage() {
  const live = useLive();
  const now = useNow();
  const jobs = [...(live?.jobs.values() ?? [])].sort((a, b) => jobKey(a).localeCompare(jobKey(b)));
  return html`<${Layout} title="Learning jobs" live=${live}>
    ${jobs.length === 0 ? html`<p class="empty">${live?.connected ? 'No learning jobs yet.' : 'Connecting…'}</p>` : null}
    <table class="jobs" data-testid="jobs">
      <thead><tr><th>Job</th><th>Kind</th><th>Stage</th><th>Status</th><th>Round</th><th>Last decision</th><th>Serving</th><th>Age</th></tr></thead>
      <tbody>
        ${jobs.map((job) => {
          const c = currentOf(job);
          const d = job.status?.lastDecision;
          return html`<tr key=${jobKey(job)} data-job=${job.metadata.name}>
            <td data-label="Job"><a href=${`#/jobs/${jobKey(job)}`}>${job.metadata.namespace}/${job.metadata.name}</a></td>
            <td data-label="Kind">${kindShort(job.kind)}</td>
            <td data-label="Stage">${c?.stage ?? ''}</td>
            <td data-label="Status">${c?.type ?? ''}</td>
            <td data-label="Round" data-testid="round">${job.status?.round ?? 0}</td>
            <td data-label="Last decision">${d ? `${d.decision} (round ${d.round})` : ''}</td>
            <td data-label="Serving">${servingOf(job)}</td>
            <td data-label="Age">${age(job.metadata.creationTimestamp, now)}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </${Layout}>`;
}

function WorkerLog({ pod, namespace }: { pod: string; namespace: string }) {
  const [text, setText] = useState<string>();
  useEffect(() => {
    // Fetched once when a failure is shown.
    void apiFetch(`/api/pods/${encodeURIComponent(namespace)}/${encodeURIComponent(pod)}/log?tailLines=15`)
      .then((r) => r.json() as Promise<{ log?: string; error?: string }>)
      .then((b) => setText(stripAnsi(b.log ?? b.error ?? '')))
      .catch((e: unknown) => setText(String(e)));
  }, [pod, namespace]);
  return html`<details class="log" open><summary>last log lines of ${pod}</summary><pre>${text ?? '…'}</pre></details>`;
}

function Timeline({ rounds, namespace }: { rounds: Round[]; namespace: string }) {
  return html`<div class="timeline" data-testid="timeline">
    ${[...rounds].reverse().map(
      (r) => html`<section class="round" key=${r.round} data-round=${r.round}>
        <h3>Round ${r.round} ${r.decision ? html`<span class=${`badge ${r.decision.decision}`}>${r.decision.decision}</span>` : r.failed ? html`<span class="badge failed" data-testid="round-failed">failed</span>` : r.finished ? '' : html`<span class="badge running">in progress</span>`}</h3>
        <ol>
          ${r.stages.map(
            (s) => html`<li class=${`stage ${s.failed ? 'failed' : ''} ${s.last}`} data-stage=${s.stage}>
              <div class="stage-head"><strong>${s.stage}</strong> <span class="state">${s.last}</span> <span class="dur">${duration(s.durationMs)}</span></div>
              <div class="steps">${s.steps.map((st) => html`<span class="step" title=${st.message ?? ''}>${st.type}${st.reason ? html`: <em data-testid="reason">${st.reason}</em>` : ''}</span>`)}</div>
              ${s.steps.filter((st) => st.type === 'Failed').map((st) => html`<p class="failure">${st.reason}: ${stripAnsi(st.message ?? '')}</p>`)}
              ${s.failed && s.workers.length > 0 ? html`<${WorkerLog} pod=${s.workers.at(-1)} namespace=${namespace} />` : null}
            </li>`,
          )}
        </ol>
      </section>`,
    )}
  </div>`;
}

function MetricsChart({ job }: { job: Job }) {
  const points = metricPoints(job);
  const el = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(600);
  useEffect(() => {
    const box = el.current?.parentElement;
    if (!box) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(240, Math.floor(box.clientWidth) - 4)));
    ro.observe(box);
    return () => ro.disconnect();
  }, []);
  useEffect(() => (el.current ? drawMetrics(el.current, points, width) : undefined), [JSON.stringify(points), width]);
  return html`<div class="chart-box">
    <div ref=${el} data-testid="metrics-chart" data-points=${points.length}></div>
    ${points.length === 0 ? html`<p class="empty">No finished round yet.</p>` : null}
    <table class="compact" data-testid="metrics-table">
      <thead><tr><th>Round</th><th>${points[0]?.metric ?? 'metric'}</th><th>Threshold</th><th>Decision</th></tr></thead>
      <tbody>${points.map((p) => html`<tr data-round=${p.round}><td>${p.round}</td><td data-testid="metric-value">${p.value.toFixed(4)}</td><td>${p.threshold}</td><td>${p.decision}</td></tr>`)}</tbody>
    </table>
  </div>`;
}

function KnowledgeBaseView({ kb }: { kb: KnowledgeBase }) {
  return html`<section data-testid="knowledge-base"><h2>Knowledge base</h2>
    <p>${kb.AIModels?.numberOfAIModels ?? 0} task models · classes ${kb.AIClasses?.listOfAIClasses?.join(', ') ?? kb.AIClasses?.numberOfAIClasses ?? 0} · unseen samples ${kb.samples?.numberOfUnseenSample ?? 0} (labelled ${kb.samples?.numberOfLabeledUnseenSample ?? 0})</p>
    <table class="compact"><thead><tr><th>Task</th><th>Model</th><th>Round</th><th>Metrics</th><th>Train samples</th></tr></thead>
    <tbody>${(kb.AIModels?.listOfAIModels ?? []).map((m) => html`<tr><td>${m.task ?? ''}</td><td class="wrap">${m.modelID}</td><td>${m.round ?? ''}</td><td>${m.metrics ? Object.entries(m.metrics).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ') : m.averagePrecision.toFixed(3)}</td><td>${m.numberOfTrainSamples}</td></tr>`)}</tbody></table>
  </section>`;
}

function JobPage({ jobKeyValue }: { jobKeyValue: string }) {
  const live = useLive(jobKeyValue);
  const job = live?.jobs.get(jobKeyValue);
  const [, namespace = 'default', name = ''] = jobKeyValue.split('/');
  if (!job) return html`<${Layout} title=${name} live=${live}><p class="empty">${live?.connected ? 'No such job (or not allowed).' : 'Connecting…'}</p></${Layout}>`;
  const rounds = roundsOf(job);
  const lineage = lineageOf(job);
  const decisions = decisionsOf(job);
  const pods = [...(live?.pods.values() ?? [])];
  const events = [...(live?.events.values() ?? [])].sort((a, b) => String((a as { lastTimestamp?: string }).lastTimestamp ?? '').localeCompare(String((b as { lastTimestamp?: string }).lastTimestamp ?? ''))).slice(-15);
  const c = currentOf(job);
  return html`<${Layout} title=${`${namespace}/${name}`} live=${live}>
    <p class="summary" data-testid="summary">${kindShort(job.kind)} · round <strong data-testid="job-round">${job.status?.round ?? 0}</strong> · ${c ? `${c.stage} ${c.type}` : ''} · serving ${servingOf(job)}${' · '}<a href=${`#/jobs/${jobKeyValue}/hard-examples`} data-testid="hard-examples-link">hard examples</a></p>
    <div class="grid">
      <section><h2>Metrics per round</h2><${MetricsChart} job=${job} /></section>
      <section><h2>Deploy decisions</h2>
        <ul class="decisions" data-testid="decisions">${[...decisions].reverse().map((d) => html`<li><strong>Round ${d.round}: ${d.decision}</strong> <span class="wrap">${d.reason ?? ''}</span></li>`)}</ul>
        <h2>Model lineage</h2>
        <div data-testid="lineage">
          <p>Serving: ${lineage.serving ? html`<strong>${lineage.serving.trainedIn === 0 ? 'the initial model' : `the model of round ${lineage.serving.trainedIn}`}</strong> <span class="wrap">${lineage.serving.url ?? ''}</span>` : 'the initial model'}</p>
          <ul>${lineage.served.map((s) => html`<li>${s.decision === 'Initial' ? 'from the start: the initial model' : `round ${s.round}: ${s.decision === 'Rollback' ? 'rolled back to' : 'deployed'} ${s.trainedIn === 0 ? 'the initial model' : `the model of round ${s.trainedIn}`}`}</li>`)}</ul>
          ${lineage.keptOut.length > 0 ? html`<p>Kept out: ${lineage.keptOut.map((k) => html`<span class="badge Keep" title=${k.reason ?? ''}>round ${k.round}</span> `)}</p>` : null}
        </div>
      </section>
    </div>
    ${job.status?.knowledgeBase ? html`<${KnowledgeBaseView} kb=${job.status.knowledgeBase} />` : null}
    <h2>Rounds</h2>
    <${Timeline} rounds=${rounds} namespace=${namespace} />
    <div class="grid">
      <section><h2>Pods</h2><ul class="pods">${pods.map((p) => html`<li>${p.metadata.name} <span class="state">${(p as { status?: { phase?: string } }).status?.phase ?? ''}</span></li>`)}</ul></section>
      <section><h2>Events</h2><ul class="events">${events.map((e) => html`<li class=${String((e as { type?: string }).type)}><strong>${String((e as { reason?: string }).reason ?? '')}</strong> <span class="wrap">${String((e as { message?: string }).message ?? '')}</span></li>`)}</ul></section>
    </div>
  </${Layout}>`;
}

const apiBase = (key: string) => `/api/gm/jobs/${key.split('/').map(encodeURIComponent).join('/')}`;

async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await apiFetch(url, init);
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** An image that did not load may have met a 401: the session check goes to the sign-in page then. */
const imageFailed = () => void checkSession().catch(() => undefined);

/** The COCO export, fetched (a 401 goes to the sign-in page, an error is shown) and saved as a file. */
function CocoExport({ base, file }: { base: string; file: string }) {
  const [error, setError] = useState<string>();
  const download = async () => {
    setError(undefined);
    try {
      const res = await apiFetch(`${base}/coco`);
      if (!res.ok) throw new Error(((await res.json().catch(() => ({}))) as { error?: string }).error ?? `${res.status} ${res.statusText}`);
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = file;
      a.click();
      // Freed once the browser had the time to save it.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      setError(`COCO export: ${(e as Error).message}`);
    }
  };
  return html`<button type="button" class="link" data-testid="coco-export" onClick=${() => void download()}>COCO export</button>${error ? html` <span class="error" role="alert">${error}</span>` : null}`;
}

function BoxesOverlay({ boxes, width, height, names }: { boxes: LabelBox[]; width: number; height: number; names?: string[] }) {
  // Fitted in its frame as the image is (object-fit: contain).
  return html`<svg class="overlay" viewBox=${`0 0 ${width} ${height}`} preserveAspectRatio="xMidYMid meet">
    ${boxes.map((b) => html`<g><rect x=${b.x1} y=${b.y1} width=${b.x2 - b.x1} height=${b.y2 - b.y1} class=${`box c${b.cls % 6}`} /><text x=${b.x1 + Math.max(width, height) / 60} y=${b.y1 + Math.max(width, height) / 14} font-size=${Math.max(width, height) / 14} class="box-label">${names?.[b.cls] ?? b.cls}</text></g>`)}
  </svg>`;
}

function ExampleCard({ example, base, names, list }: { example: HardExampleView; base: string; names?: string[]; list: string }) {
  const boxes = resultBoxes(example.result);
  const [size, setSize] = useState<{ w: number; h: number }>();
  const cls = predictedClass(example.result, names);
  return html`<figure class="card" data-testid="hard-example" data-id=${example.id} data-version=${example.modelVersion ?? 'initial'}>
    ${example.image
      ? html`<div class="frame"><img loading="lazy" decoding="async" src=${`${base}/hard-examples/${encodeURIComponent(example.id)}/image`} alt=${example.id} onLoad=${(e: Event) => setSize({ w: (e.target as HTMLImageElement).naturalWidth, h: (e.target as HTMLImageElement).naturalHeight })} onError=${imageFailed} />
          ${boxes && size ? html`<${BoxesOverlay} boxes=${labelBoxesOf(boxes)} width=${size.w} height=${size.h} names=${names} />` : null}</div>`
      : null}
    <figcaption>
      <span>${servedBy(example.modelVersion)}</span>
      ${boxes ? html`<span>${boxes.length === 1 ? '1 box' : `${boxes.length} boxes`}</span>` : example.result === null || example.result === undefined ? html`<span>no result</span>` : html`<pre class="json">${JSON.stringify(example.result)}</pre>`}
      ${cls !== undefined && !boxes ? html`<span>predicted ${names?.[cls] ?? cls}</span>` : null}
      ${list === 'queue' ? html`<a class="button" href=${`#/jobs/${base.replace('/api/gm/jobs/', '')}/label/${encodeURIComponent(example.id)}`} data-testid="label-link">Label</a>` : html`<button onClick=${() => void getJson(`${base}/hard-examples/${encodeURIComponent(example.id)}/restore`, { method: 'POST' }).then(() => dispatchEvent(new Event('hard-examples-changed')))}>Restore</button>`}
    </figcaption>
  </figure>`;
}

function ExamplesPage({ jobKeyValue }: { jobKeyValue: string }) {
  const live = useLive(jobKeyValue);
  const job = live?.jobs.get(jobKeyValue);
  // The first page and the ones loaded after it (newest first); the GM serves a page at a time.
  const [list, setList] = useState<HardExampleList>();
  const [shown, setShown] = useState<HardExampleView[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string>();
  const [which, setWhich] = useState<'queue' | 'skipped'>('queue');
  const [version, setVersion] = useState('');
  const [trainedIn, setTrainedIn] = useState('');
  const base = apiBase(jobKeyValue);
  const round = job?.status?.round ?? 0;
  // A model version is the round that deployed it; the model itself was trained in that round, or in an
  // earlier one a rollback served again (status.deployments).
  const modelOf = (v: string): string => {
    if (v === 'initial') return 'the initial model';
    const d = job?.status?.deployments?.find((x) => String(x.round) === v);
    return d ? (d.trainedIn === 0 ? 'the initial model' : `round ${d.trainedIn}`) : `version ${v}`;
  };
  const counted = Object.entries(list?.versions ?? {});
  const versionsOfModel = trainedIn ? counted.map(([v]) => v).filter((v) => modelOf(v) === trainedIn) : undefined;
  const query = galleryQuery(which, 0, version, versionsOfModel);
  const generation = useRef(0);
  useEffect(() => {
    // An answer for an earlier query (the queue, before "skipped" was chosen) must not overwrite a newer one.
    const mine = ++generation.current;
    const load = () => {
      setLoading(true);
      const asked = query ? getJson<HardExampleList>(`${base}/hard-examples?${query}`) : getJson<HardExampleList>(`${base}/hard-examples?${galleryQuery(which, 0, '')}`).then((l) => ({ ...l, examples: [], total: 0 }));
      return asked.then(
        (l) => {
          if (mine !== generation.current) return;
          setList(l);
          setShown(l.examples);
          setError(undefined);
          setLoading(false);
        },
        (e: Error) => {
          if (mine !== generation.current) return;
          setError(e.message);
          setLoading(false);
        },
      );
    };
    void load();
    addEventListener('hard-examples-changed', load);
    return () => removeEventListener('hard-examples-changed', load);
    // Reloaded when the job moves on (a new round, new hard examples): driven by the watch, not a timer.
  }, [base, query, round, job?.status?.conditions?.length]);
  const more = async () => {
    if (loading || !list || shown.length >= list.total) return;
    const mine = generation.current;
    setLoading(true);
    try {
      const next = await getJson<HardExampleList>(`${base}/hard-examples?${galleryQuery(which, shown.length, version, versionsOfModel)}`);
      if (mine !== generation.current) return;
      // Newer examples came meanwhile and moved the pages: one card per example.
      const ids = new Set(shown.map((e) => e.id));
      setShown([...shown, ...next.examples.filter((e) => !ids.has(e.id))]);
      setList({ ...next, examples: list.examples });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  };
  // The next page comes when the end of the gallery nears the window.
  const sentinel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const el = sentinel.current;
    if (!el || typeof IntersectionObserver === 'undefined') return undefined;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void more(), { rootMargin: '600px' });
    observer.observe(el);
    return () => observer.disconnect();
  });
  const names = classNamesOf(job?.metadata.annotations);
  const all = counted.reduce((sum, [, n]) => sum + n, 0);
  const models = new Map<string, number>();
  for (const [v, n] of counted) models.set(modelOf(v), (models.get(modelOf(v)) ?? 0) + n);
  const [, namespace = '', name = ''] = jobKeyValue.split('/');
  return html`<${Layout} title=${`Hard examples · ${namespace}/${name}`} live=${live}>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <p class="summary"><a href=${`#/jobs/${jobKeyValue}`}>back to the job</a> · queue <strong data-testid="queue-count">${list?.counts.queue ?? '…'}</strong> · skipped <strong data-testid="skipped-count">${list?.counts.skipped ?? '…'}</strong>
      ${list?.dataset ? html` · dataset <strong data-testid="dataset-count">${list.dataset.lines}</strong> samples` : null} · <${CocoExport} base=${base} file=${`${name}-coco.json`} /></p>
    <div class="filters">
      <label>List <select data-testid="list" value=${which} onChange=${(e: Event) => setWhich((e.target as HTMLSelectElement).value as 'queue' | 'skipped')}><option value="queue">to label</option><option value="skipped">skipped</option></select></label>
      <label>Served by (model version) <select data-testid="filter-round" value=${version} onChange=${(e: Event) => setVersion((e.target as HTMLSelectElement).value)}><option value="">all (${all})</option>${counted.map(([v, n]) => html`<option value=${v}>${v === 'initial' ? 'the initial model' : `round ${v}`} (${n})</option>`)}</select></label>
      <label>Model trained in <select data-testid="filter-model" value=${trainedIn} onChange=${(e: Event) => setTrainedIn((e.target as HTMLSelectElement).value)}><option value="">all</option>${[...models].map(([m, n]) => html`<option value=${m}>${m} (${n})</option>`)}</select></label>
      <span class="count"><span data-testid="shown-count">${shown.length} shown</span> of <span data-testid="filtered-count">${query ? (list?.total ?? '…') : 0}</span>, newest first</span>
    </div>
    <div class="gallery" data-testid="gallery" data-filter=${`${version}|${trainedIn}|${which}`} data-state=${loading ? 'loading' : 'ready'}>${(query ? shown : []).map((e) => html`<${ExampleCard} key=${e.id} example=${e} base=${base} names=${names} list=${which} />`)}</div>
    ${query && list && shown.length < list.total ? html`<button type="button" class="more" ref=${sentinel} data-testid="more" onClick=${() => void more()}>${loading ? 'Loading…' : `Show more (${list.total - shown.length} more)`}</button>` : null}
  </${Layout}>`;
}

type Drag = { mode: 'new' | 'move' | 'resize'; index: number; x0: number; y0: number; orig: LabelBox };

function LabelPage({ jobKeyValue, id }: { jobKeyValue: string; id: string }) {
  const live = useLive(jobKeyValue);
  const job = live?.jobs.get(jobKeyValue);
  const names = classNamesOf(job?.metadata.annotations);
  const base = apiBase(jobKeyValue);
  const [example, setExample] = useState<HardExampleView>();
  const [inList, setInList] = useState<'queue' | 'skipped'>();
  const [queueCount, setQueueCount] = useState<number>();
  // Why the example is not there (evicted, labelled, gone), or an error: said, with the way back.
  const [missing, setMissing] = useState<{ state?: MissingState; error: string }>();
  const [size, setSize] = useState<{ w: number; h: number }>();
  const [boxes, setBoxes] = useState<LabelBox[]>([]);
  const [selected, setSelected] = useState<number>(-1);
  // The class chosen by hand; until then the model's answer (its class names arrive with the job).
  const [chosen, setChosen] = useState<number>();
  const [message, setMessage] = useState<string>();
  // What the job's labels are (boxes or a class), as the LC decided it: only those tools are offered.
  const [labels, setLabels] = useState<LabelShapeView>();
  const svg = useRef<SVGSVGElement>(null);
  const drag = useRef<Drag>();
  useEffect(() => {
    let current = true;
    void (async () => {
      // The one example (the whole list took seconds with thousands of examples).
      const res = await apiFetch(`${base}/hard-examples/${encodeURIComponent(id)}`);
      const body = (await res.json().catch(() => ({}))) as Partial<HardExampleOne> & { error?: string; state?: MissingState };
      if (!current) return;
      if (!res.ok || !body.example) return setMissing({ state: res.status === 404 ? body.state : undefined, error: body.error ?? `${res.status} ${res.statusText}` });
      const e = body.example;
      setExample(e);
      setInList(body.list);
      setQueueCount(body.counts?.queue);
      setLabels(body.dataset?.labels);
      const rb = resultBoxes(e.result);
      setBoxes(rb && body.dataset?.labels?.shape !== 'class' ? labelBoxesOf(rb) : []);
      setSelected(-1);
      setChosen(undefined);
    })().catch((e: Error) => current && setMissing({ error: e.message }));
    return () => {
      current = false;
    };
  }, [base, id]);
  const predicted = example ? predictedClass(example.result, names) : undefined;
  const cls = chosen ?? predicted ?? 0;
  const shape = labels?.shape;
  const boxMode = shape ? shape === 'boxes' : example ? boxLike(example.result) || boxes.length > 0 : false;
  const gallery = `#/jobs/${jobKeyValue}/hard-examples`;
  /** The newest example still to label, else the gallery. */
  const next = async () => {
    const page = await getJson<HardExampleList>(`${base}/hard-examples?list=queue&limit=2`).catch(() => undefined);
    const after = page?.examples.find((e) => e.id !== id);
    location.hash = after ? `#/jobs/${jobKeyValue}/label/${encodeURIComponent(after.id)}` : gallery;
  };
  const save = async (what: { boxes?: LabelBox[]; label?: string }) => {
    try {
      const r = await getJson<{ line: string }>(`${base}/hard-examples/${encodeURIComponent(id)}/label`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(what) });
      setMessage(`saved: ${r.line}`);
      await next();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  const skip = async () => {
    try {
      await getJson(`${base}/hard-examples/${encodeURIComponent(id)}/skip`, { method: 'POST' });
      await next();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  // While no label has decided the job's shape, a class is saved only when someone chose it or the model
  // gave one: the first label decides every later one, so it is never the default 0.
  const saveClass = () => {
    if (!shape && chosen === undefined && predicted === undefined) {
      setMessage('this job has no labels yet, and the first one decides their shape for good: choose a class (0-9) or label with boxes');
      return undefined;
    }
    return save({ label: String(cls) });
  };
  const saveBoxes = () => (size ? save({ boxes: boxes.map((b) => normalizeBox(b, size.w, size.h)).filter((b) => b.x2 - b.x1 >= 1 && b.y2 - b.y1 >= 1) }) : undefined);
  const accept = () => {
    const rb = example ? resultBoxes(example.result) : undefined;
    if (rb && shape !== 'class') return save({ boxes: labelBoxesOf(rb) });
    if (shape === 'boxes') {
      setMessage('the model gave no boxes to accept: draw them');
      return undefined;
    }
    if (predicted === undefined) {
      setMessage(shape === 'class' ? 'the model gave no class to accept: choose one' : 'the model gave no boxes and no class to accept: choose a class or draw boxes');
      return undefined;
    }
    return save({ label: String(predicted) });
  };
  const setClass = (c: number) => {
    if (selected >= 0) setBoxes(boxes.map((b, i) => (i === selected ? { ...b, cls: c } : b)));
    setChosen(c);
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).tagName === 'SELECT' || (e.target as HTMLElement).tagName === 'INPUT') return;
      if (e.key === 'a') void accept();
      else if (e.key === 's') void skip();
      else if (e.key === 'Enter') void (boxMode ? saveBoxes() : saveClass());
      else if ((e.key === 'Delete' || e.key === 'Backspace') && selected >= 0) {
        setBoxes(boxes.filter((_, i) => i !== selected));
        setSelected(-1);
      } else if (/^[0-9]$/.test(e.key)) setClass(Number(e.key));
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });
  const point = (e: PointerEvent) => {
    const el = svg.current;
    if (!el || !size) return { x: 0, y: 0 };
    const r = el.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * size.w, y: ((e.clientY - r.top) / r.height) * size.h };
  };
  const down = (e: PointerEvent) => {
    const p = point(e);
    const target = e.target as Element;
    const index = Number(target.getAttribute('data-index') ?? '-1');
    // The moves of this pointer come to the canvas even when it leaves the box.
    svg.current?.setPointerCapture(e.pointerId);
    if (target.classList.contains('handle')) drag.current = { mode: 'resize', index, x0: p.x, y0: p.y, orig: boxes[index] as LabelBox };
    else if (index >= 0) drag.current = { mode: 'move', index, x0: p.x, y0: p.y, orig: boxes[index] as LabelBox };
    else {
      const b = { x1: p.x, y1: p.y, x2: p.x, y2: p.y, cls };
      drag.current = { mode: 'new', index: boxes.length, x0: p.x, y0: p.y, orig: b };
      setBoxes([...boxes, b]);
    }
    setSelected(drag.current.index);
    e.preventDefault();
  };
  const move = (e: PointerEvent) => {
    const d = drag.current;
    if (!d) return;
    const p = point(e);
    const dx = p.x - d.x0;
    const dy = p.y - d.y0;
    const o = d.orig;
    const b = d.mode === 'move' ? (size ? moveInside(o, dx, dy, size.w, size.h) : o) : d.mode === 'resize' ? { ...o, x2: o.x2 + dx, y2: o.y2 + dy } : { ...o, x2: p.x, y2: p.y };
    setBoxes((all) => all.map((x, i) => (i === d.index ? b : x)));
  };
  const up = () => {
    const d = drag.current;
    drag.current = undefined;
    if (d && size) setBoxes((all) => all.map((x, i) => (i === d.index ? normalizeBox(x, size.w, size.h) : x)).filter((x) => x.x2 - x.x1 >= 2 && x.y2 - x.y1 >= 2));
  };
  const probabilities = Array.isArray(example?.result) ? example?.result : (example?.result as { probabilities?: unknown } | null | undefined)?.probabilities;
  const classCount = Math.max(names?.length ?? 0, Array.isArray(probabilities) ? probabilities.length : 2);
  const [, namespace = '', name = ''] = jobKeyValue.split('/');
  return html`<${Layout} title=${`Label · ${namespace}/${name}`} live=${live}>
    <p class="summary"><a href=${gallery} data-testid="back-to-gallery">back to the hard examples</a>${queueCount !== undefined ? ` · ${queueCount} to label` : ''} · example <code class="wrap">${id}</code></p>
    ${message ? html`<p class="message" role="status" data-testid="label-message">${message}</p>` : null}
    ${inList === 'skipped' ? html`<p class="hint" data-testid="label-skipped">This example is in the skipped list: restore it in the gallery to label it.</p>` : null}
    ${missing ? html`<div class="missing" role="alert" data-testid="label-missing" data-state=${missing.state ?? 'error'}>
        <p><strong>${missing.state === 'evicted' ? 'This example was evicted' : missing.state === 'labelled' ? 'This example is labelled already' : missing.state === 'gone' ? 'This example is gone' : 'This example could not be loaded'}</strong>: ${missing.error}</p>
        <p><a class="button" href=${gallery}>Back to the hard examples</a></p></div>`
    : !example ? html`<p class="empty">Loading…</p>` : html`
    <div class="labeller">
      <div class="canvas" style=${size ? `aspect-ratio: ${size.w} / ${size.h}; width: min(100%, calc((100vh - 10rem) * ${size.w / size.h}))` : ''}>
        <img src=${`${base}/hard-examples/${encodeURIComponent(id)}/image`} alt=${id} onLoad=${(e: Event) => setSize({ w: (e.target as HTMLImageElement).naturalWidth, h: (e.target as HTMLImageElement).naturalHeight })} onError=${imageFailed} />
        ${size ? html`<svg ref=${svg} data-testid="label-canvas" class=${shape === 'class' ? 'overlay' : 'overlay editable'} viewBox=${`0 0 ${size.w} ${size.h}`} preserveAspectRatio="none" onPointerDown=${shape === 'class' ? undefined : down} onPointerMove=${move} onPointerUp=${up} onPointerCancel=${up}>
          ${boxes.map((b, i) => {
            const n = normalizeBox(b, size.w, size.h);
            // Sizes in image pixels: a fraction of the image, whatever its resolution.
            const handle = Math.max(size.w, size.h) / 14;
            return html`<g key=${i}><rect data-index=${i} data-testid="label-box" x=${n.x1} y=${n.y1} width=${n.x2 - n.x1} height=${n.y2 - n.y1} class=${`box c${b.cls % 6} ${i === selected ? 'selected' : ''}`} />
              <text x=${n.x1 + handle / 4} y=${n.y1 + handle} font-size=${handle} class="box-label">${names?.[b.cls] ?? b.cls}</text>
              <rect data-index=${i} class="handle" x=${n.x2 - handle / 2} y=${n.y2 - handle / 2} width=${handle} height=${handle} /></g>`;
          })}
        </svg>` : null}
      </div>
      <div class="tools">
        <p>${boxMode ? 'Drag on the image to draw a box; drag a box to move it, its corner to resize it.' : 'Choose the class of this image.'}</p>
        ${labels?.refused ? html`<p class="error" role="alert" data-testid="labels-refused">${labels.refused}</p>` : shape ? html`<p class="hint" data-testid="label-shape" data-shape=${shape}>Labels of this job: ${shape === 'boxes' ? 'boxes' : 'one class per image'} (${labels?.why ?? ''}).</p>` : null}
        ${example.result !== null && example.result !== undefined && !resultBoxes(example.result) ? html`<pre class="json">${JSON.stringify(example.result)}</pre>` : null}
        <div class="classes" role="group" aria-label="class">
          ${Array.from({ length: classCount }, (_, c) => html`<button class=${c === (selected >= 0 ? boxes[selected]?.cls : cls) ? 'on' : ''} data-testid=${`class-${c}`} onClick=${() => setClass(c)}>${c}: ${names?.[c] ?? `class ${c}`}</button>`)}
        </div>
        <div class="actions">
          <button data-testid="accept" onClick=${() => void accept()} title="a">Accept model (a)</button>
          ${boxMode ? html`<button data-testid="save" onClick=${() => void saveBoxes()} title="Enter">Save boxes (Enter)</button>` : html`<button data-testid="save" onClick=${() => void saveClass()} title="Enter">Save class (Enter)</button>`}
          ${boxMode && selected >= 0 ? html`<button onClick=${() => { setBoxes(boxes.filter((_, i) => i !== selected)); setSelected(-1); }}>Delete box (Del)</button>` : null}
          <button data-testid="skip" onClick=${() => void skip()} title="s">Skip (s)</button>
          ${!boxMode && !shape ? html`<button data-testid="use-boxes" onClick=${() => size && setBoxes([{ x1: size.w / 4, y1: size.h / 4, x2: (size.w * 3) / 4, y2: (size.h * 3) / 4, cls }])}>Label with boxes</button>` : null}
        </div>
        <p class="keys">Keys: 0–9 class · a accept · Enter save · s skip${boxMode ? ' · Del delete box' : ''}</p>
      </div>
    </div>`}
  </${Layout}>`;
}

function App() {
  const route = useRoute();
  const key = useMemo(() => ('key' in route ? route.key : ''), [route]);
  if (route.page === 'job') return html`<${JobPage} key=${key} jobKeyValue=${key} />`;
  if (route.page === 'examples') return html`<${ExamplesPage} key=${key} jobKeyValue=${key} />`;
  if (route.page === 'label') return html`<${LabelPage} key=${`${key}/${route.id}`} jobKeyValue=${key} id=${route.id} />`;
  if (route.page === 'unknown') {
    return html`<${Layout} title="No such page"><p class="error" role="alert" data-testid="unknown-route">No page at #/${route.route}: ${route.why}.</p><p><a href="#/">the jobs</a></p></${Layout}>`;
  }
  return html`<${JobsPage} />`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);

export type { KubeObject };
