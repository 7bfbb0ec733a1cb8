// Injects the schedule's faults while the events are emitted: worker kills on one clock, the
// other faults one at a time on another.
import type { ApiClient } from '../../test/support/api-client';
import type { LabFixture } from '../../test/support/lab-fixtures';
import { describeFault, type FaultPlan, type ServerFault } from './faults';
import type { ChaosOptions } from './options';
import { restartPostgres, type Replica, type RestartableServer } from './processes';
import { say } from './say';

/** Resolves at `atMs` after `startedAt`, or at once when the run is stopped. */
export const sleepUntil = (startedAt: number, atMs: number, stop: AbortSignal) =>
  new Promise<void>((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      stop.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, Math.max(0, startedAt + atMs - Date.now()));
    stop.addEventListener('abort', wake, { once: true });
  });

/** Tries `action` against either replica until one answers without a 5xx (or `stop`). */
async function onAnyReplica<T extends { status: number }>(apis: ApiClient[], action: (api: ApiClient) => Promise<T>, stop: AbortSignal): Promise<T | undefined> {
  for (let attempt = 0; !stop.aborted && attempt < 120; attempt++) {
    const answer = await action(apis[attempt % apis.length]!).catch(() => undefined);
    if (answer && answer.status < 500) return answer;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  return undefined;
}

/** The kills of the plan, each of a worker that has been up a moment; how many were made. */
export async function killWorkers(workers: Replica[], plan: FaultPlan, startedAt: number, stop: AbortSignal): Promise<number> {
  const restarts: Promise<void>[] = [];
  for (const { atMs, fault } of plan.workerKills) {
    await sleepUntil(startedAt, atMs, stop);
    if (stop.aborted) break;
    // A worker that has been up a moment (so it has work in hand); the preferred one if it is.
    const deadline = Date.now() + 20_000;
    let target: Replica | undefined;
    while (!target && Date.now() < deadline) {
      target = [workers[fault.preferred]!, workers[1 - fault.preferred]!].find((w) => w.upFor(1_000));
      if (!target) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    if (target) restarts.push(target.kill('SIGKILL', fault.restartAfterMs));
  }
  await Promise.all(restarts);
  return restarts.length;
}

export interface FaultTargets {
  server: ChaosOptions['server'];
  /** The dev server, or each node of the cluster. */
  temporal: RestartableServer[];
  ferret: RestartableServer;
  apis: Replica[];
  admins: [ApiClient, ApiClient];
  lab: LabFixture;
}

export async function injectServerFaults(plan: FaultPlan, startedAt: number, targets: FaultTargets, injected: string[], stop: AbortSignal): Promise<void> {
  for (const { atMs, fault } of plan.servers) {
    await sleepUntil(startedAt, atMs, stop);
    if (stop.aborted) return;
    say(`fault: ${describeFault(fault, targets.server)}`);
    injected.push(`${describeFault(fault, targets.server)}${await inject(fault, targets, stop)}`);
  }
}

/** Injects one fault and waits for its end; a note for the report. */
async function inject(fault: ServerFault, targets: FaultTargets, stop: AbortSignal): Promise<string> {
  const { temporal, ferret, apis, admins, lab } = targets;
  switch (fault.kind) {
    case 'temporal': {
      const server = temporal[fault.node % temporal.length]!;
      await server.kill(fault.signal);
      await new Promise((resolve) => setTimeout(resolve, fault.downMs));
      await server.start();
      return '';
    }
    case 'ferretdb':
      await ferret.kill('SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, fault.downMs));
      await ferret.start();
      return '';
    case 'postgres':
      restartPostgres();
      return '';
    case 'api':
      await apis[fault.replica]!.kill('SIGTERM', 500);
      await apis[fault.replica]!.start();
      return '';
    case 'manual-retry': {
      const failed = await onAnyReplica(admins, (api) => api.request('GET', `/api/logs?status=FAIL&type=WEBHOOK&labId=${lab.labId}&limit=1`), stop);
      const logId = (failed?.body as { items?: Array<{ id?: string }> } | undefined)?.items?.[0]?.id;
      if (!logId) return ': no failed log yet';
      const answer = await onAnyReplica(admins, (api) => api.request('POST', `/api/logs/${logId}/retry`, {}), stop);
      return `: ${logId} → ${answer?.status ?? 'no answer'}`;
    }
    case 'bulk-retry': {
      const answer = await onAnyReplica(admins, (api) => api.request('POST', '/api/logs/retry', { filter: { status: ['FAIL'], type: 'WEBHOOK', labId: lab.labId } }), stop);
      const bulkId = (answer?.body as { bulkId?: string } | undefined)?.bulkId;
      return `: ${answer?.status ?? 'no answer'} ${bulkId ? `bulk ${bulkId}` : JSON.stringify(answer?.body ?? '')}`;
    }
  }
}
