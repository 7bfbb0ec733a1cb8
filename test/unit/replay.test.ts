import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { generatePayloadKeyLine, labwireDataConverter, parsePayloadKeys } from '../../src/temporal/payload-codec';
import { bundleWorkflows } from '../../src/worker/worker';
import * as workflows from '../../workflows';
import { committedHistories, runStateOf, workflowTypeOf } from '../support/histories';

/**
 * Deliveries stay open (or asleep) for days, so a deploy meets histories written by the code
 * before it. The current workflow code must replay every history committed under
 * test/histories (recorded by scripts/record-histories.ts; old generations are kept) without
 * a nondeterminism error. See README "Changing workflow code".
 */
describe('replay: the current workflow code replays every committed history', () => {
  const histories = committedHistories();
  // The replay worker's state changes are INFO lines; a replay error is in the results, asserted below.
  beforeAll(() => Runtime.install({ logger: new DefaultLogger('WARN') }));

  it('holds, for every workflow type, a history whose manifest entry says its type and state truly', () => {
    for (const h of histories) {
      expect({ path: h.path, type: workflowTypeOf(h.history), state: runStateOf(h.history) }).toEqual({ path: h.path, type: h.workflowType, state: h.state });
    }
    const types = Object.entries(workflows).filter(([, value]) => typeof value === 'function').map(([type]) => type);
    expect(types.length).toBeGreaterThanOrEqual(6);
    expect(types.filter((type) => !histories.some((h) => h.workflowType === type))).toEqual([]);
  });

  it('replays each one with no nondeterminism (TMPRL1100) or other replay error', async () => {
    // The production bundle and data converter; the histories are stored decrypted, which the codec passes through with any key.
    const workflowBundle = await bundleWorkflows();
    const dataConverter = labwireDataConverter({ kind: 'keys', keys: parsePayloadKeys(generatePayloadKeyLine('replay-test')) });
    const replayed = Worker.runReplayHistories(
      { workflowBundle, dataConverter },
      histories.map((h) => ({ workflowId: h.workflowId, history: h.history })),
    );
    const outcomes: string[] = [];
    let index = 0;
    for await (const result of replayed) {
      const { path } = histories[index++]!;
      outcomes.push(result.error ? `${path}: ${result.error.name}: ${result.error.message}` : `${path}: ok`);
    }
    expect(outcomes).toEqual(histories.map((h) => `${h.path}: ok`));
  }, 180_000);
});
