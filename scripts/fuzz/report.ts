import type { FuzzResult } from './fuzz-run';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The run as Markdown: totals, answers by status, the slowest requests, and each failure class with one example. */
export function formatReport(result: FuzzResult): string {
  const failureCount = [...result.failures.values()].reduce((n, f) => n + f.count, 0);
  const statuses = [...result.byStatus.entries()].sort(([a], [b]) => a.localeCompare(b));
  const lines = [
    `Fuzz run: seed ${result.seed}, ${result.sent} of ${result.runs} requests in ${(result.elapsedMs / 1000).toFixed(1)} s${result.stoppedEarly ? ` (${result.stoppedEarly})` : ''}`,
    '',
    '| requests | ' + statuses.map(([s]) => s).join(' | ') + ' | failures | API logs added | write check skipped |',
    '|---|' + statuses.map(() => '---|').join('') + '---|---|---|',
    `| ${result.sent} | ${statuses.map(([, n]) => n).join(' | ')} | ${failureCount} | ${result.apiLogsAdded} | ${result.unchecked} |`,
    '',
    `At the end: API ${result.endState.api ? 'alive' : 'DEAD'}, worker ${result.endState.worker ? 'alive' : 'DEAD'}, /healthz ${result.endState.healthz}`,
    '',
    '| slowest | ms | status |',
    '|---|---|---|',
    ...result.slowest.map((s) => `| ${cell(s.where)} | ${s.ms} | ${s.status} |`),
    '',
  ];
  if (result.failures.size === 0) lines.push('No failures.');
  else {
    lines.push('| failure | where | count | example request | answer |', '|---|---|---|---|---|');
    const classes = [...result.failures.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.where.localeCompare(b.where));
    for (const f of classes) lines.push(`| ${f.kind} | ${cell(f.where)} | ${f.count} | ${cell(f.example.request)} | ${cell(f.example.answer.slice(0, 400))} |`);
  }
  if (result.loggedErrors.size > 0) {
    lines.push('', '| logged by the processes | count |', '|---|---|');
    for (const [message, count] of [...result.loggedErrors.entries()].sort((a, b) => b[1] - a[1])) lines.push(`| ${cell(message)} | ${count} |`);
  }
  return lines.join('\n');
}
