// The run's table (Markdown on stdout) and its JSON.
import type { ChaosResult } from './run';

export function report(result: ChaosResult): string {
  const { options } = result;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
  const lines = [
    `## Chaos run (${options.profile}, ${options.server === 'dev' ? 'Temporal dev server' : 'two-node Temporal cluster'}): seed ${options.seed}, ${options.events} events, ${result.workerKills} worker kills`,
    '',
    `Rerun: \`npm run chaos -- ${options.profile === 'reduced' ? '--reduced ' : ''}${options.server === 'cluster' ? '--server cluster ' : ''}--seed ${options.seed}\``,
    '',
    '| check | count | |',
    '|---|---:|---|',
    ...result.checks.map((c) => `| ${c.name} | ${c.count} | ${c.mustBeZero ? (c.count === 0 ? 'ok' : '**FAILED**') : `counted: ${c.examples.join('; ')}`} |`),
    '',
    '| figure | value |',
    '|---|---|',
    `| wall time | ${seconds(result.wallMs)} (faults over ${seconds(result.faultWindowMs)}) |`,
    `| deliveries ended per second while faults were injected | ${result.deliveriesPerSecondDuringFaults.toFixed(2)} |`,
    `| final statuses | ${Object.entries(result.statuses).map(([s, n]) => `${s} ${n}`).join(', ')} |`,
    `| events by kind | ${Object.entries(result.kinds).map(([s, n]) => `${s} ${n}`).join(', ')} |`,
    `| events by source | ${Object.entries(result.sources).map(([s, n]) => `${s} ${n}`).join(', ')} |`,
    `| emit tries (a refused or unanswered try is tried again) | ${result.emitTries} |`,
    `| process starts | ${Object.entries(result.replicaStarts).map(([s, n]) => `${s} ${n}`).join(', ')} |`,
    `| exits nobody caused | ${Object.entries(result.ownExits).map(([s, e]) => `${s} ${e.length}`).join(', ')} |`,
    `| dashboards (stream connects, log events) | ${result.dashboards.map((d) => `${d.name}: ${d.connects}, ${d.events}`).join('; ')} |`,
    '',
    'Faults injected, in order:',
    '',
    ...result.injected.map((line, i) => `${i + 1}. ${line}`),
  ];
  const failed = result.checks.filter((c) => c.mustBeZero && c.examples.length > 0);
  if (failed.length > 0) lines.push('', 'Examples:', '', ...failed.flatMap((c) => [`- ${c.name}:`, ...c.examples.map((e) => `  - ${e}`)]));
  const exits = Object.entries(result.ownExits).filter(([, e]) => e.length > 0);
  if (exits.length > 0) lines.push('', 'Exits nobody caused:', '', ...exits.flatMap(([name, e]) => e.slice(0, 3).map((x) => `- ${name}: ${x}`)));
  return lines.join('\n');
}
