/** The metrics chart: the gate's metric per finished round, with the threshold, drawn by uPlot. */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricPoint } from './jobModel.js';

/** Draws `points` into `el` (replacing what was there), `width` pixels wide; returns a disposer. */
export function drawMetrics(el: HTMLElement, points: MetricPoint[], width: number): () => void {
  el.textContent = '';
  if (points.length === 0) return () => undefined;
  const metric = points[0]?.metric ?? 'metric';
  const data: uPlot.AlignedData = [points.map((p) => p.round), points.map((p) => p.value), points.map((p) => p.threshold)];
  const plot = new uPlot(
    {
      width,
      height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'round', values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')) }, { label: metric }],
      series: [
        {},
        { label: metric, stroke: '#2563eb', width: 2, points: { size: 8, fill: '#2563eb' } },
        { label: 'threshold', stroke: '#dc2626', dash: [6, 4], width: 1.5, points: { show: false } },
      ],
      hooks: {
        // The gate's threshold as a line across the plot: a series alone draws nothing for one round.
        draw: [
          (u) => {
            const threshold = points.at(-1)?.threshold;
            if (threshold === undefined) return;
            const y = u.valToPos(threshold, 'y', true);
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#dc2626';
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, y);
            ctx.lineTo(u.bbox.left + u.bbox.width, y);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
    },
    data,
    el,
  );
  return () => plot.destroy();
}
