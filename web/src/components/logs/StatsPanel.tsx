import { duration, percent } from '../../format';
import type { LogStats } from '../../types';
import { DeliveryChart } from './DeliveryChart';

function Figure({ label, value, tone, testId }: { label: string; value: string; tone?: string; testId: string }) {
  return (
    <div class={`figure${tone ? ` figure-${tone}` : ''}`} data-testid={testId}>
      <span class="figure-value">{value}</span>
      <span class="figure-label">{label}</span>
    </div>
  );
}

/** Counts and success rate for the current filter (GET /api/logs/stats) with deliveries over time. */
export function StatsPanel({ stats }: { stats: LogStats | null }) {
  if (!stats) {
    return (
      <section class="stats card" aria-busy="true" aria-label="Statistics">
        <div class="figures">
          {[0, 1, 2, 3, 4].map((i) => (
            <div key={i} class="figure">
              <span class="skeleton skeleton-figure" />
            </div>
          ))}
        </div>
      </section>
    );
  }
  const n = (value: number | undefined) => (value ?? 0).toLocaleString();
  return (
    <section class="stats card" aria-label="Statistics" data-testid="stats">
      <div class="figures">
        <Figure label="Deliveries" value={n(stats.total)} testId="stat-total" />
        <Figure label="Success rate" value={percent(stats.successRate)} testId="stat-success-rate" />
        <Figure label="Success" value={n(stats.byStatus.SUCCESS)} tone="success" testId="stat-success" />
        <Figure label="Failed" value={n(stats.byStatus.FAIL)} tone="fail" testId="stat-fail" />
        <Figure label="Queued" value={n(stats.byStatus.QUEUED)} tone="queued" testId="stat-queued" />
        {stats.byStatus.SUPPRESSED > 0 && <Figure label="Suppressed" value={n(stats.byStatus.SUPPRESSED)} testId="stat-suppressed" />}
        {stats.responseTimeMs && (
          <Figure label="p50 / p95" value={`${duration(stats.responseTimeMs.p50)} / ${duration(stats.responseTimeMs.p95)}`} testId="stat-latency" />
        )}
      </div>
      <DeliveryChart series={stats.series} />
    </section>
  );
}
