import { Hl7Message, type Hl7Segment } from '@medplum/core';

export interface AckInterpretation {
  ok: boolean;
  /** MSA-1, upper-cased. */
  code?: string;
  /** The partner's own words: MSA-3 and any ERR text. */
  text?: string;
  /** Why the message counts as not delivered, for FAIL. */
  error?: string;
}

const POSITIVE_CODES = new Set(['AA', 'CA']);
const NEGATIVE_CODES = new Set(['AE', 'AR', 'CE', 'CR']);

/**
 * Reads an ACK for the message sent with `sentControlId`. An ACK for any other control id
 * is a failure, not a confirmation: on a reused connection a late ACK for an earlier
 * message must never mark this one as delivered.
 */
export function interpretAck(rawAck: string, sentControlId: string): AckInterpretation {
  let ack: Hl7Message;
  try {
    ack = Hl7Message.parse(rawAck.trimStart());
  } catch (error) {
    return { ok: false, error: `Unparseable ACK: ${error instanceof Error ? error.message : String(error)}` };
  }
  const msa = ack.getSegment('MSA');
  if (!msa) return { ok: false, error: 'Unparseable ACK: it has no MSA segment' };

  const code = msa.getComponent(1, 1).trim().toUpperCase();
  const ackedControlId = unescapeHl7Text(msa.getComponent(2, 1));
  const text = partnerText(msa, ack.getAllSegments('ERR'));
  if (ackedControlId !== sentControlId) {
    return {
      ok: false,
      code,
      text,
      error: `ACK control id ${ackedControlId || '(empty)'} does not match sent message control id ${sentControlId}`,
    };
  }
  if (POSITIVE_CODES.has(code)) return { ok: true, code, text };
  if (NEGATIVE_CODES.has(code)) return { ok: false, code, text, error: text ?? `Negative ACK ${code} without a reason` };
  return { ok: false, code, text, error: `Unparseable ACK: unknown acknowledgment code "${code}" in MSA-1` };
}

/**
 * MSA-3 first, then each ERR's user message (ERR-8), diagnostics (ERR-7), error code text
 * (ERR-3.2, v2.5) or, from v2.3-style partners such as older Mirth channels, the code text
 * inside ERR-1.4 (a CE written with subcomponents).
 */
function partnerText(msa: Hl7Segment, errs: readonly Hl7Segment[]): string | undefined {
  const texts = [msa.getComponent(3, 1)];
  for (const err of errs) {
    texts.push(
      err.getComponent(8, 1),
      err.getComponent(7, 1),
      err.getComponent(3, 2) || err.getComponent(3, 1),
      // medplum's subcomponent index is 0-based, unlike its field and component indexes.
      err.getComponent(1, 4, 1),
    );
  }
  const distinct = [...new Set(texts.map((t) => unescapeHl7Text(t).trim()).filter((t) => t !== ''))];
  return distinct.length > 0 ? distinct.join('; ') : undefined;
}

const DELIMITER_ESCAPES: Readonly<Record<string, string>> = { F: '|', S: '^', R: '~', E: '\\', T: '&' };

/**
 * Reverses HL7 escaping in text read from a component (medplum's parser leaves escape
 * sequences in place). Hex escapes (\Xhh..\) are decoded; formatting escapes we do not
 * render (\.br\, \H\ ...) are left as they are.
 */
export function unescapeHl7Text(value: string): string {
  return value.replace(/\\([^\\]*)\\/g, (sequence, body: string) => {
    const delimiter = DELIMITER_ESCAPES[body];
    if (delimiter !== undefined) return delimiter;
    if (/^X([0-9A-Fa-f]{2})+$/.test(body)) return Buffer.from(body.slice(1), 'hex').toString('utf8');
    return sequence;
  });
}
