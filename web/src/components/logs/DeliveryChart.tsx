import { localDateTime, utcDateTime } from '../../format';
import type { LogStats } from '../../types';

const HEIGHT = 64;
const BAR = 8;
const GAP = 3;

/** Deliveries per bucket as hand-written SVG bars, failures stacked in red. */
export function DeliveryChart({ series }: { series: LogStats['series'] }) {
  const points = series.points;
  if (!points.length) return <p class="chart-empty muted">No deliveries in this period.</p>;
  const max = Math.max(1, ...points.map((p) => p.total));
  const width = points.length * (BAR + GAP);
  const failed = points.reduce((sum, p) => sum + p.failed, 0);
  return (
    <figure class="chart" data-testid="stats-chart">
      <svg viewBox={`0 0 ${width} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={`Deliveries over time: ${points.length} buckets, ${failed} failures`}>
        {points.map((p, i) => {
          const total = (p.total / max) * HEIGHT;
          const fail = (p.failed / max) * HEIGHT;
          const x = i * (BAR + GAP);
          return (
            <g key={p.t}>
              <title>{`${localDateTime(p.t)} (${utcDateTime(p.t)}): ${p.total} deliveries, ${p.failed} failed`}</title>
              <rect class="bar-ok" x={x} y={HEIGHT - total} width={BAR} height={Math.max(total - fail, 0)} />
              <rect class="bar-fail" x={x} y={HEIGHT - fail} width={BAR} height={fail} />
            </g>
          );
        })}
      </svg>
      <figcaption class="chart-legend">
        <span>
          <i class="swatch swatch-ok" /> Deliveries
        </span>
        <span>
          <i class="swatch swatch-fail" /> Failures
        </span>
        <span class="muted">
          {localDateTime(points[0]?.t)} → {localDateTime(points[points.length - 1]?.t)}
        </span>
      </figcaption>
    </figure>
  );
}
