import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../src/config/schema';

/** The policy runs in a process of its own: an uncaught error in this one would fail jest itself. */
describe('logUncaughtAndKeepServing: the policy of api, worker and start for errors nothing caught', () => {
  it('logs an uncaught exception and an unhandled rejection, counts them, and the process keeps going', () => {
    const script = `
      const pino = require('pino');
      const { logUncaughtAndKeepServing } = require(${JSON.stringify(join(projectRoot, 'src', 'cli', 'uncaught-errors.ts'))});
      const { metricsRegistry } = require(${JSON.stringify(join(projectRoot, 'src', 'metrics.ts'))});
      logUncaughtAndKeepServing(pino());
      setTimeout(() => { throw new Error('thrown by a finish listener'); }, 10);
      void Promise.reject(new Error('nobody awaited this'));
      setTimeout(async () => {
        const counted = (await metricsRegistry.getSingleMetric('labwire_uncaught_errors_total').get()).values;
        console.log('still serving ' + JSON.stringify(counted.map((v) => [v.labels.kind, v.value])));
      }, 300);
    `;
    const run = spawnSync(join(projectRoot, 'node_modules', '.bin', 'tsx'), ['-e', script], { cwd: projectRoot, encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('still serving [["rejection",1],["exception",1]]');
    expect(run.stdout).toContain('uncaught exception; the process keeps serving');
    expect(run.stdout).toContain('thrown by a finish listener');
    expect(run.stdout).toContain('unhandled promise rejection; the process keeps serving');
  });
});
