import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { ENCRYPTED_ENCODING } from './payload-codec';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function isEncrypted(node: unknown): node is Payload {
  if (!node || typeof node !== 'object') return false;
  const encoding = (node as Payload).metadata?.[METADATA_ENCODING_KEY];
  return encoding instanceof Uint8Array && Buffer.from(encoding).toString() === ENCRYPTED_ENCODING;
}

function isFailureWithEncodedAttributes(node: object): node is { message?: string | null; stackTrace?: string | null; encodedAttributes: Payload } {
  return 'encodedAttributes' in node && !!node.encodedAttributes && typeof node.encodedAttributes === 'object';
}

/**
 * Decrypts, in place, every encrypted payload of a fetched history (arguments, results, signals,
 * markers, memo, summaries) and puts each encoded failure's message back, so the dashboard's
 * timeline reads what happened. `fetchHistory()` leaves them encrypted. A payload this process
 * holds no key for stays as it is.
 */
export async function decodeHistory(codec: PayloadCodec, events: HistoryEvent[]): Promise<void> {
  const found: Payload[] = [];
  const failures: Array<{ message?: string | null; stackTrace?: string | null; encodedAttributes: Payload | null }> = [];
  const seen = new Set<object>();
  const walk = (node: unknown): void => {
    if (!node || typeof node !== 'object' || ArrayBuffer.isView(node) || seen.has(node)) return;
    seen.add(node);
    if (isEncrypted(node)) {
      found.push(node);
      return;
    }
    if (isFailureWithEncodedAttributes(node)) failures.push(node);
    for (const value of Array.isArray(node) ? node : Object.values(node)) walk(value);
  };
  walk(events);
  for (const payload of found) {
    try {
      const [plain] = await codec.decode([payload]);
      payload.metadata = plain?.metadata ?? {};
      payload.data = plain?.data ?? new Uint8Array();
    } catch {
      // An unknown key (a history older than the keys kept): shown as encrypted.
    }
  }
  for (const failure of failures) {
    if (isEncrypted(failure.encodedAttributes)) continue;
    const attributes = payloadValue(failure.encodedAttributes!) as { message?: unknown; stack_trace?: unknown } | undefined;
    if (typeof attributes?.message === 'string') failure.message = attributes.message;
    if (typeof attributes?.stack_trace === 'string') failure.stackTrace = attributes.stack_trace;
    failure.encodedAttributes = null;
  }
}

/** A decoded payload's value; undefined for one that is not JSON (or still encrypted). */
export function payloadValue(payload: Payload): unknown {
  if (isEncrypted(payload)) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}
