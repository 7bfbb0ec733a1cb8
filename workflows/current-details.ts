import type { DeliveryState } from './types';

/** A log's line in a workflow's current details (the Web UI shows them): id, status, phase, retries. */
export function deliveryDetails(state: DeliveryState): string {
  const retries = state.retries > 0 ? ` · ${state.retries} ${state.retries === 1 ? 'retry' : 'retries'}` : '';
  return `log ${state.logId} · ${state.status} · ${state.phase}${retries}`;
}
