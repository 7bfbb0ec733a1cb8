import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChaosResult } from '../scripts/chaos/run';
import { projectRoot } from '../src/config/schema';

/**
 * The reduced chaos run (scripts/chaos.ts --reduced): ~100 events through both APIs, the partner
 * API, the client library and the outbox while 10 worker process groups are SIGKILLed and
 * Temporal, FerretDB, PostgreSQL and each API replica are restarted once. On a stack of its own
 * (ports and databases of the chaos run, moved by the suite's slot), as separate processes.
 */
describe('chaos (reduced)', () => {
  it('loses nothing, leaves nothing stuck, reports every status as the partner answered it, and every dashboard shows it', async () => {
    const json = join(mkdtempSync(join(tmpdir(), 'labwire-chaos-')), 'result.json');
    const slot = process.env.LABWIRE_TEST_SLOT ?? '0';
    const child = spawn(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['scripts/chaos.ts', '--reduced', '--slot', slot, '--json', json], {
      cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`the chaos run ended ${code}:\n${output}`);

    const result = JSON.parse(readFileSync(json, 'utf8')) as ChaosResult;
    const must = result.checks.filter((c) => c.mustBeZero);
    expect(must.filter((c) => c.count > 0)).toEqual([]);
    expect(must.map((c) => c.name)).toEqual(expect.arrayContaining(['lost: accepted events without their log', 'stuck: logs still QUEUED', 'dashboards not showing the final state']));
    // The faults really happened: each server's, each replica's, and the kills.
    expect(result.injected.join('\n')).toMatch(/Temporal dev server SIG(TERM|KILL)/);
    for (const fault of ['FerretDB SIGKILL', 'PostgreSQL restart', 'API replica 1 restart', 'API replica 2 restart', 'bulk retry of the failed logs: 202', '10 × worker process group SIGKILL']) {
      expect(result.injected.join('\n')).toContain(fault);
    }
    expect(result.replicaStarts['worker-1']! + result.replicaStarts['worker-2']!).toBeGreaterThanOrEqual(12);
    expect(Object.values(result.statuses).reduce((a, b) => a + b, 0)).toBe(result.options.events);
    // Each dashboard's stream was cut by its replica's restart and came back.
    for (const dashboard of result.dashboards) expect(dashboard.connects).toBeGreaterThanOrEqual(2);
  }, 8 * 60_000);
});
