import { PassThrough } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import { createLogger } from '../../src/logger';
import { PinoSdkLogger } from '../../src/temporal/sdk-logger';

/** What an SDK entry for a failed activity carries (node_modules/@temporalio/worker/lib/activity.js). */
function activityFailedMeta(error: Error) {
  return { sdkComponent: 'worker', activityType: 'finalizeLog', attempt: 4, workflowId: 'delivery-abc', taskToken: 'CiQw…', error, durationMs: 12 };
}

function capture(logLevel: 'info' | 'debug', pretty: boolean, isReported?: (error: unknown) => boolean) {
  const destination = new PassThrough();
  let text = '';
  destination.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const sdk = new PinoSdkLogger(createLogger({ logLevel }, 'worker', { pretty, destination }), { isReported });
  return { sdk, lines: () => text.split('\n').filter((line) => line !== '') };
}

describe('the Temporal SDK logger (pino)', () => {
  const failure = Object.assign(new Error('MongoServerSelectionError: connection refused'), { stack: 'Error: x\n    at one (a.ts:1:1)\n    at two (b.ts:2:2)' });

  it('given an activity failure at the default level, prints one warn line naming the activity, attempt and reason; no stack, no task token', () => {
    const { sdk, lines } = capture('info', false);
    sdk.warn('Activity failed', activityFailedMeta(failure));
    expect(lines()).toHaveLength(1);
    expect(JSON.parse(lines()[0]!)).toMatchObject({ level: 40, msg: 'activity finalizeLog failed', attempt: 4, workflowId: 'delivery-abc', reason: 'Error: MongoServerSelectionError: connection refused' });
    expect(lines()[0]).not.toContain('CiQw');
  });

  it('given a failure Labwire has reported on its own line, prints nothing at the default level; at debug, the SDK\'s full entry', () => {
    const reported = ApplicationFailure.create({ type: 'WebhookRetryableError', message: 'HTTP 500 from partner.example' });
    const quiet = capture('info', false, () => true);
    quiet.sdk.warn('Activity failed', activityFailedMeta(reported));
    expect(quiet.lines()).toEqual([]);
    const debug = capture('debug', false, () => true);
    debug.sdk.warn('Activity failed', activityFailedMeta(reported));
    expect(debug.lines().map((line) => JSON.parse(line) as { level: number; msg: string; err: { message: string } })).toEqual([
      expect.objectContaining({ level: 20, msg: 'Activity failed', err: expect.objectContaining({ message: 'HTTP 500 from partner.example' }) }),
    ]);
  });

  it('sends the SDK\'s INFO (worker state changes) to debug, and keeps Labwire\'s own activity and workflow lines at their level', () => {
    const { sdk, lines } = capture('info', false);
    sdk.info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING' });
    sdk.info('retry accepted', { sdkComponent: 'workflow', logId: 'abc' });
    sdk.warn('delivery failed', { sdkComponent: 'activity', logId: 'abc', reason: 'HTTP 500' });
    expect(lines().map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['retry accepted', 'delivery failed']);
  });

  it('on a terminal, prints each entry as one readable line without Temporal\'s bookkeeping fields', () => {
    const { sdk, lines } = capture('info', true);
    sdk.warn('delivery failed', { sdkComponent: 'activity', namespace: 'default', taskQueue: 'labwire', taskToken: 'CiQw', logId: 'abc', attempt: 3, reason: 'HTTP 500' });
    sdk.warn('Activity failed', activityFailedMeta(failure));
    expect(lines()).toHaveLength(2);
    expect(lines()[0]).toMatch(/^\[\d\d:\d\d:\d\d\] WARN \(worker\): delivery failed \{"logId":"abc","attempt":3,"reason":"HTTP 500"\}$/);
    expect(lines()[1]).toContain('activity finalizeLog failed');
  });

  it('on a terminal at debug, the SDK\'s failure entry with its error is still one line (type, message, the frame it was thrown at)', () => {
    const { sdk, lines } = capture('debug', true, () => true);
    sdk.warn('Activity failed', activityFailedMeta(failure));
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toContain('DEBUG (worker): Activity failed');
    expect(lines()[0]).toContain('"error":"Error: MongoServerSelectionError: connection refused (at one (a.ts:1:1))"');
  });
});
