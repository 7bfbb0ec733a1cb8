import fc from 'fast-check';
import { checkExchange, type Failure } from './answer-check';
import { answeredByNode, describeAnswer, describeRequest, operationOf } from './describe';
import { coverageCases, fuzzCases, type FuzzCase } from './fuzz-case';
import type { LabwireProcess } from './processes';
import { send, type Exchange, type RawRequest } from './raw-http';
import { StoreWatch } from './store-watch';
import type { FuzzTarget } from './target';

export interface FuzzOptions {
  seed: number;
  runs: number;
  timeoutMs?: number;
  /** Process deaths after which the run stops (each death is reported, then the process restarted). */
  maxDeaths?: number;
  progress?: (line: string) => void;
}

export interface FailureClass {
  kind: Failure['kind'];
  where: string;
  count: number;
  example: { request: string; answer: string };
}

export interface FuzzResult {
  seed: number;
  runs: number;
  sent: number;
  byStatus: Map<string, number>;
  slowest: Array<{ ms: number; where: string; status: string }>;
  failures: Map<string, FailureClass>;
  apiLogsAdded: number;
  /** Requests answered while an earlier success's Temporal work had not settled within 20 s: their write check was skipped. */
  unchecked: number;
  elapsedMs: number;
  /** At the end: both processes running and /healthz answering 200. */
  endState: { api: boolean; worker: boolean; healthz: number | string };
  stoppedEarly?: string;
  /** Errors the API and worker logged during the run (what each 500 was), by message. */
  loggedErrors: Map<string, number>;
}

/** Operations whose success starts Temporal work that writes later (events, retries, cancels, callbacks). */
const startsAsyncWork = (c: FuzzCase) => c.operation.method === 'POST' && /\/events$|\/retry$|\/cancel$|\/callbacks\/\{logId\}$|\/endpoints\/(pause|resume|skip)$/.test(c.operation.template);

/** Whether the caller could get past authorization at all (else the request cannot succeed). */
const mayBeAllowed = (c: FuzzCase) => (c.operation.api === 'partner' ? c.caller === 'partner' : (c.caller === 'operator' || c.caller === 'admin') && c.csrf === 'right');

/** Successful changes that may have touched the fuzzer's own users, sessions or partner key. */
const mayTouchIdentities = (c: FuzzCase) => c.operation.method !== 'GET' && /\/session$|\/users|\/authentications|\/integrations$/.test(c.operation.template);

export function rawRequestOf(fuzzCase: FuzzCase, target: Pick<FuzzTarget, 'callers' | 'port'>): RawRequest {
  const headers: Array<[string, string]> = [['host', `127.0.0.1:${target.port}`], ['connection', 'close'], ...target.callers.headersFor(fuzzCase), ...fuzzCase.headers];
  const { body } = fuzzCase;
  if (body) {
    if (body.contentType !== undefined) headers.push(['content-type', body.contentType]);
    headers.push(['content-length', String(body.bytes.length)]);
  }
  return { method: fuzzCase.operation.method, target: fuzzCase.target, headers, ...(body ? { body: body.bytes } : {}) };
}

/**
 * Sends `runs` generated requests one at a time (so every store change has one author), checks each
 * answer and the stores around it, and collects failures by class instead of stopping at the first.
 */
export async function runFuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzResult> {
  const started = Date.now();
  const { seed, runs, timeoutMs = 15_000, maxDeaths = 5, progress = () => undefined } = options;
  const result: FuzzResult = {
    seed,
    runs,
    sent: 0,
    byStatus: new Map(),
    slowest: [],
    failures: new Map(),
    apiLogsAdded: 0,
    unchecked: 0,
    elapsedMs: 0,
    endState: { api: false, worker: false, healthz: 'not checked' },
    loggedErrors: new Map(),
  };
  const stores = new StoreWatch(target.probe);
  await stores.start();
  let skipNextCheck = false;
  let deaths = 0;
  let previous: { fuzzCase: FuzzCase; exchange: Exchange } | undefined;

  const record = (where: string, failure: Failure, example: FailureClass['example']) => {
    const key = `${failure.kind}|${where}|${failure.kind === 'server error' || failure.kind === '4xx not problem+json' ? failure.detail.slice(0, 3) : ''}`;
    const known = result.failures.get(key);
    if (known) known.count += 1;
    else result.failures.set(key, { kind: failure.kind, where, count: 1, example });
  };
  const recordFor = (fuzzCase: FuzzCase, exchange: Exchange, failure: Failure, alsoSuspect?: FuzzCase) =>
    record(answeredByNode(exchange) ? "any route: Node's HTTP server, before Express" : operationOf(fuzzCase), failure, {
      request: describeRequest(fuzzCase) + (alsoSuspect ? ` ‖ or the request just before it: ${describeRequest(alsoSuspect)}` : ''),
      answer: failure.kind === 'process died' || failure.kind === 'refused but wrote' ? `${describeAnswer(exchange)} — ${failure.detail}` : describeAnswer(exchange),
    });
  const closeGroup = async () => {
    const { changes, group } = await stores.closeGroup();
    if (changes.length === 0) return;
    record(`log store, one of ${group.length} refused requests: ${[...new Set(group.map(operationOf))].join(', ')}`, { kind: 'refused but wrote', detail: '' }, {
      request: group.map(describeRequest).join(' ‖ ').slice(0, 2_000),
      answer: changes.map((c) => `${c.key} ${c.before ?? '-'} → ${c.after ?? '-'}`).join(', '),
    });
  };
  const deadProcess = () => [target.api, target.worker].find((p) => !p.alive);
  /** Reports a death against the request that caused it, then restarts the process (up to maxDeaths). */
  const afterDeath = async (dead: LabwireProcess, culprit: { fuzzCase: FuzzCase; exchange: Exchange }, before?: { fuzzCase: FuzzCase }) => {
    recordFor(culprit.fuzzCase, culprit.exchange, { kind: 'process died', detail: dead.obituary }, before?.fuzzCase);
    deaths += 1;
    previous = undefined;
    progress(`${dead.name} died after request ${result.sent}: ${describeRequest(culprit.fuzzCase).slice(0, 300)}`);
    if (deaths >= maxDeaths) {
      result.stoppedEarly = `stopped after ${deaths} process deaths`;
      return;
    }
    await dead.restart();
    await target.repair();
    await closeGroup();
    await stores.rebaseline();
  };

  const one = async (fuzzCase: FuzzCase) => {
    // A process that died after answering (in a 'finish' handler, say) did so because of the previous request.
    const deadBefore = deadProcess();
    if (deadBefore && previous) await afterDeath(deadBefore, previous);
    if (result.stoppedEarly) return;
    const asyncCandidate = startsAsyncWork(fuzzCase) && mayBeAllowed(fuzzCase);
    if (asyncCandidate) await closeGroup();

    const exchange = await send(target.port, rawRequestOf(fuzzCase, target), timeoutMs);
    const current = { fuzzCase, exchange };
    result.sent += 1;
    const status = 'error' in exchange ? 'no answer' : String(exchange.answer.status);
    result.byStatus.set(status, (result.byStatus.get(status) ?? 0) + 1);
    result.slowest.push({ ms: 'error' in exchange ? exchange.ms : exchange.answer.ms, where: operationOf(fuzzCase), status });
    result.slowest = result.slowest.sort((a, b) => b.ms - a.ms).slice(0, 5);
    if ('error' in exchange) await target.api.settled();
    const died = deadProcess();
    if (died) {
      // Refused outright: nothing listened any more when this request came, so the one before killed it.
      // Refused outright: nothing listened any more, so the request before killed it. Cut off mid-answer:
      // this request, or the one before if the process died just after answering that one.
      if ('error' in exchange && exchange.error === 'ECONNREFUSED' && previous) await afterDeath(died, previous);
      else await afterDeath(died, current, 'error' in exchange ? previous : undefined);
      return;
    }
    previous = current;

    const changes = await stores.configChanges();
    if (skipNextCheck) result.unchecked += 1;
    for (const failure of checkExchange({ exchange, changes: skipNextCheck ? [] : changes })) recordFor(fuzzCase, exchange, failure);
    skipNextCheck = false;
    const succeeded = 'answer' in exchange && exchange.answer.status < 300;
    const refused = 'answer' in exchange && exchange.answer.status >= 400;
    if (refused && stores.addRefused(fuzzCase)) await closeGroup();
    if (succeeded && asyncCandidate) skipNextCheck = !(await stores.settle());
    const sessionLost = 'answer' in exchange && exchange.answer.status === 401 && ['viewer', 'operator', 'admin'].includes(fuzzCase.caller);
    if ((succeeded && mayTouchIdentities(fuzzCase)) || sessionLost) {
      await target.repair();
      await stores.configChanges();
    }
    if (result.sent % 500 === 0) progress(`${result.sent}/${runs} requests, ${[...result.failures.values()].reduce((n, f) => n + f.count, 0)} failures`);
  };

  const guarded = (fuzzCase: FuzzCase) =>
    one(fuzzCase).catch(async (error: unknown) => {
      // The fuzzer's own calls (sign-in, repair) fail when the API died meanwhile: that is the death to report.
      const dead = (await target.api.settled()) ? deadProcess() : target.api;
      if (dead && previous) return afterDeath(dead, previous);
      result.stoppedEarly = `the fuzzer itself failed after request ${result.sent} (${describeRequest(fuzzCase).slice(0, 200)}): ${error instanceof Error ? error.message : String(error)}`;
    });
  const coverage = coverageCases(target.operations, target.known, seed).slice(0, runs);
  progress(`coverage pass: ${coverage.length} requests (every body kind on every operation), then ${runs - coverage.length} random ones`);
  for (const fuzzCase of coverage) if (!result.stoppedEarly) await guarded(fuzzCase);
  if (runs > coverage.length) {
    await fc.assert(
      fc.asyncProperty(fuzzCases(target.operations, target.known), async (fuzzCase) => {
        if (!result.stoppedEarly) await guarded(fuzzCase);
        return true;
      }),
      { seed, numRuns: runs - coverage.length, endOnFailure: true },
    );
  }
  const deadAtEnd = (await target.api.settled(1_000)) ? deadProcess() : target.api;
  if (deadAtEnd && previous) recordFor(previous.fuzzCase, previous.exchange, { kind: 'process died', detail: deadAtEnd.obituary });
  await closeGroup();
  result.apiLogsAdded = await stores.apiLogsAdded();
  const health = await send(target.port, { method: 'GET', target: '/healthz', headers: [['host', `127.0.0.1:${target.port}`], ['connection', 'close']] }, 5_000);
  result.endState = { api: target.api.alive, worker: target.worker.alive, healthz: 'error' in health ? health.error : health.answer.status };
  if (!result.endState.api || !result.endState.worker || result.endState.healthz !== 200) {
    record('the end of the run', { kind: 'process died', detail: '' }, { request: 'GET /healthz', answer: `api ${result.endState.api ? 'alive' : 'dead'}, worker ${result.endState.worker ? 'alive' : 'dead'}, /healthz ${result.endState.healthz}` });
  }
  for (const process of [target.api, target.worker]) {
    for (const [message, count] of process.loggedErrors()) result.loggedErrors.set(`${process.name}: ${message}`, count);
  }
  result.elapsedMs = Date.now() - started;
  return result;
}
