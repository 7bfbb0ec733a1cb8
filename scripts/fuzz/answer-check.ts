import type { Exchange } from './raw-http';
import { isExpectedWrite } from './store-snapshot';

/** One broken promise of issue 9, grouped by `kind` and where it happened. */
export interface Failure {
  kind: 'server error' | 'no answer' | '4xx not problem+json' | 'refused but wrote' | 'process died';
  detail: string;
}

export interface CheckInput {
  exchange: Exchange;
  /** Store figures that changed while the request ran (empty when nothing did or it was not measured). */
  changes: Array<{ key: string; before?: string; after?: string }>;
}

const isProblemDocument = (body: Buffer) => {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { title?: unknown; status?: unknown };
    return typeof parsed.title === 'string' && typeof parsed.status === 'number';
  } catch {
    return false;
  }
};

/** The checks of one answer: no 5xx, an answer at all, every 4xx a problem document, a refusal writes nothing. */
export function checkExchange({ exchange, changes }: CheckInput): Failure[] {
  if ('error' in exchange) return [{ kind: 'no answer', detail: exchange.error }];
  const { status, headers, body } = exchange.answer;
  const failures: Failure[] = [];
  if (!(status >= 100 && status < 500)) failures.push({ kind: 'server error', detail: `${status} ${body.toString('utf8').slice(0, 200)}` });
  if (status >= 400 && status < 500) {
    const type = headers['content-type'] ?? '(none)';
    if (!type.startsWith('application/problem+json')) failures.push({ kind: '4xx not problem+json', detail: `${status} content-type ${type}: ${body.toString('utf8').slice(0, 120)}` });
    else if (!isProblemDocument(body)) failures.push({ kind: '4xx not problem+json', detail: `${status} body is not a problem document: ${body.toString('utf8').slice(0, 120)}` });
  }
  const refused = status >= 400;
  const written = changes.filter((change) => !isExpectedWrite(change.key));
  if (refused && written.length > 0) {
    failures.push({ kind: 'refused but wrote', detail: `${status}; ${written.map((c) => `${c.key} ${c.before ?? '-'} → ${c.after ?? '-'}`).join(', ')}` });
  }
  return failures;
}
