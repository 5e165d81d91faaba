/** A small SVG line chart of the stats endpoints' samples (no chart library: one path per series). */
import type { StatsSample } from './api.ts';

export interface Series {
  readonly name: string;
  readonly cls: 'cpu' | 'mem';
  readonly value: (s: StatsSample) => number;
  readonly max: number;
  readonly unit: string;
}

const W = 480;
const H = 160;
const PAD = { l: 40, r: 10, t: 10, b: 22 };

export function LineChart({ samples, series, title }: { samples: readonly StatsSample[]; series: Series; title: string }) {
  const n = samples.length;
  const x = (i: number): number => PAD.l + (n <= 1 ? 0 : (i / (n - 1)) * (W - PAD.l - PAD.r));
  const y = (v: number): number => H - PAD.b - (Math.max(0, Math.min(v, series.max)) / (series.max || 1)) * (H - PAD.t - PAD.b);
  const pts = samples.map((s, i) => `${x(i).toFixed(1)},${y(series.value(s)).toFixed(1)}`);
  const last = n > 0 ? series.value(samples[n - 1]!) : null;
  const first = n > 0 ? new Date(samples[0]!.time) : null;
  const end = n > 0 ? new Date(samples[n - 1]!.time) : null;
  const ticks = [0, 0.5, 1];
  const fmt = (d: Date | null): string => (d ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '');
  const desc = last === null ? 'no samples yet' : `${n} samples, latest ${Math.round(last)} ${series.unit} of ${series.max} ${series.unit}`;
  return (
    <figure style={{ margin: 0 }}>
      <figcaption>
        <strong>{title}</strong> <span className="vg-muted">{last === null ? 'no samples yet' : `${Math.round(last)} ${series.unit}`}</span>
      </figcaption>
      <svg className="vg-chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}: ${desc}`} data-samples={n}>
        {ticks.map((t) => (
          <g key={t}>
            <line className="grid" x1={PAD.l} x2={W - PAD.r} y1={y(series.max * t)} y2={y(series.max * t)} />
            <text className="label" x={PAD.l - 4} y={y(series.max * t) + 4} textAnchor="end">
              {Math.round(series.max * t)}
            </text>
          </g>
        ))}
        <line className="axis" x1={PAD.l} x2={W - PAD.r} y1={H - PAD.b} y2={H - PAD.b} />
        {n > 1 && <polygon className={`area-${series.cls}`} points={`${x(0)},${H - PAD.b} ${pts.join(' ')} ${x(n - 1)},${H - PAD.b}`} />}
        {n > 0 && <polyline className={`line-${series.cls}`} points={pts.join(' ')} />}
        <text className="label" x={PAD.l} y={H - 6}>
          {fmt(first)}
        </text>
        <text className="label" x={W - PAD.r} y={H - 6} textAnchor="end">
          {fmt(end)}
        </text>
      </svg>
    </figure>
  );
}
