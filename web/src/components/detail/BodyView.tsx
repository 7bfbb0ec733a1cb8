import { localDateTime, utcDateTime } from '../../format';

/** A request or response body: pretty JSON when it parses, HL7 one segment per line, else as sent. */
function prettyJson(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return null;
  try {
    return JSON.stringify(JSON.parse(trimmed), null, 2);
  } catch {
    return null;
  }
}

/** HL7 v2 separates segments with \r; MLLP framing bytes (0x0b, 0x1c) are dropped. */
function hl7Segments(text: string): string[] | null {
  // eslint-disable-next-line no-control-regex
  const cleaned = text.replace(/[\x0b\x1c]/g, '');
  if (!/^\s*MSH\|/.test(cleaned)) return null;
  return cleaned.split(/\r\n|\r|\n/).filter((s) => s.trim() !== '');
}

export function Hl7View({ segments, testId }: { segments: string[]; testId?: string }) {
  return (
    <pre class="code hl7" data-testid={testId} data-format="hl7">
      {segments.map((segment, i) => {
        const name = segment.slice(0, 3);
        return (
          <div key={i} class="hl7-segment" data-testid="hl7-segment">
            <span class="hl7-name">{name}</span>
            {segment.slice(3)}
          </div>
        );
      })}
    </pre>
  );
}

/** When and under which limit the body retention removed a log's bodies. */
export interface BodiesRemoved {
  at: string;
  retentionDays: number | undefined;
}

export function BodyView({ body, testId, removed }: { body: string | null | undefined; testId?: string; removed?: BodiesRemoved }) {
  if (body === null || body === undefined || body === '') {
    if (!removed) return <p class="muted">(empty)</p>;
    const days = removed.retentionDays === undefined ? '' : ` (retention ${removed.retentionDays} ${removed.retentionDays === 1 ? 'day' : 'days'})`;
    return (
      <p class="muted body-removed" data-testid={testId ? `${testId}-removed` : undefined}>
        Body removed on{' '}
        <time dateTime={removed.at} title={utcDateTime(removed.at)}>
          {localDateTime(removed.at)}
        </time>
        {days}
      </p>
    );
  }
  const segments = hl7Segments(body);
  if (segments) return <Hl7View segments={segments} testId={testId} />;
  const json = prettyJson(body);
  return (
    <pre class="code" data-testid={testId} data-format={json ? 'json' : 'text'}>
      {json ?? body}
    </pre>
  );
}

export function HeadersView({ headers }: { headers: Record<string, string> | undefined }) {
  const entries = Object.entries(headers ?? {});
  if (!entries.length) return <p class="muted">(no headers)</p>;
  return (
    <dl class="headers">
      {entries.map(([name, value]) => (
        <div key={name}>
          <dt>{name}</dt>
          <dd class="mono">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
