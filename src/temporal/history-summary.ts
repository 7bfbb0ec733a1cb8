import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { payloadValue } from './history-decode';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface HistoryLine {
  eventId: number;
  /** ISO 8601. */
  time: string | null;
  /** e.g. `ActivityTaskScheduled`. */
  type: string;
  summary: string;
  /** The step's values (input, result, signal), decoded, as compact JSON; absent when it has none. */
  details?: string;
}

const DETAILS_MAX_CHARS = 2_000;

/** Compact JSON of the payloads' values, shortened for the timeline. */
function detailsOf(payloads: Array<Payload | null | undefined> | null | undefined): string | undefined {
  const values = (payloads ?? []).filter((p): p is Payload => !!p).map((p) => payloadValue(p));
  if (values.length === 0 || values.every((v) => v === undefined)) return undefined;
  const text = JSON.stringify(values.length === 1 ? values[0] : values) ?? '';
  return text.length > DETAILS_MAX_CHARS ? `${text.slice(0, DETAILS_MAX_CHARS)}…` : text;
}

/** The values an event carries that a reader wants: what was sent into and came out of each step. */
function eventDetails(event: HistoryEvent): string | undefined {
  const e = event;
  return (
    detailsOf(e.workflowExecutionStartedEventAttributes?.input?.payloads) ??
    detailsOf(e.workflowExecutionCompletedEventAttributes?.result?.payloads) ??
    detailsOf(e.activityTaskCompletedEventAttributes?.result?.payloads) ??
    detailsOf(e.workflowExecutionSignaledEventAttributes?.input?.payloads) ??
    detailsOf(e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args?.payloads) ??
    detailsOf(e.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success?.payloads) ??
    detailsOf(e.markerRecordedEventAttributes?.details?.result?.payloads)
  );
}

const { EventType } = temporal.api.enums.v1;

/** `EVENT_TYPE_ACTIVITY_TASK_SCHEDULED` → `ActivityTaskScheduled`, as the Temporal Web UI names them. */
export function eventTypeName(type: temporal.api.enums.v1.EventType | null | undefined): string {
  const raw = EventType[type ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED';
  return raw
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep: string, letter: string) => letter.toUpperCase());
}

function seconds(duration: { seconds?: unknown; nanos?: number | null } | null | undefined): string {
  if (!duration) return '';
  const total = Number(duration.seconds ?? 0) + (duration.nanos ?? 0) / 1e9;
  return total >= 1 ? `${total.toFixed(total % 1 === 0 ? 0 : 1)} s` : `${Math.round(total * 1000)} ms`;
}

function timeOf(event: HistoryEvent): string | null {
  if (!event.eventTime) return null;
  return new Date(Number(event.eventTime.seconds ?? 0) * 1000 + Math.floor((event.eventTime.nanos ?? 0) / 1e6)).toISOString();
}

/** A local activity's type, from its marker's data (plain JSON the SDK writes after the codec ran, in every history). */
function localActivityType(event: HistoryEvent): string | undefined {
  const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0];
  const value = data ? (payloadValue(data) as { activity_type?: unknown } | undefined) : undefined;
  return typeof value?.activity_type === 'string' ? value.activity_type : undefined;
}

/** The step's name (workflows/step-names.ts), which the payload codec leaves readable; absent in histories written before. */
function stepName(event: HistoryEvent): string | undefined {
  const summary = event.userMetadata?.summary;
  const value = summary ? payloadValue(summary) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** One line per event a person needs to follow a delivery; workflow-task bookkeeping is left out. */
function summarize(event: HistoryEvent, activityNames: Map<string, string>): string | undefined {
  const activityOf = (scheduledEventId: unknown) => activityNames.get(String(scheduledEventId)) ?? 'activity';
  const a = event;
  // Dozens of rare event types share the default line; the rule's union check is not meant for that.
  // eslint-disable-next-line @typescript-eslint/switch-exhaustiveness-check
  switch (event.eventType) {
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
      return `${a.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'workflow'} started on ${a.workflowExecutionStartedEventAttributes?.taskQueue?.name ?? '?'}`;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      return 'Workflow completed';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      return `Workflow failed: ${a.workflowExecutionFailedEventAttributes?.failure?.message ?? ''}`;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      return `Terminated: ${a.workflowExecutionTerminatedEventAttributes?.reason ?? ''}`;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      return 'Workflow cancelled';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
      return 'Continued as new';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      return 'Workflow timed out';
    case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      return `${a.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity'} scheduled`;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
      return `${activityOf(a.activityTaskStartedEventAttributes?.scheduledEventId)} started, attempt ${a.activityTaskStartedEventAttributes?.attempt ?? 1}`;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      return `${activityOf(a.activityTaskCompletedEventAttributes?.scheduledEventId)} completed`;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      return `${activityOf(a.activityTaskFailedEventAttributes?.scheduledEventId)} failed: ${a.activityTaskFailedEventAttributes?.failure?.message ?? ''}`;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      return `${activityOf(a.activityTaskTimedOutEventAttributes?.scheduledEventId)} timed out`;
    case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED:
    case EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED:
      return 'Activity cancelled';
    case EventType.EVENT_TYPE_TIMER_STARTED: {
      const step = stepName(event);
      return `Timer ${seconds(a.timerStartedEventAttributes?.startToFireTimeout)}${step ? ` (${step})` : ''}`;
    }
    case EventType.EVENT_TYPE_TIMER_FIRED:
      return 'Timer fired';
    case EventType.EVENT_TYPE_TIMER_CANCELED:
      return 'Timer cancelled';
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      return `Signal ${a.workflowExecutionSignaledEventAttributes?.signalName ?? ''}`;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      return `Update ${a.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? ''} accepted`;
    case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
      return 'Update completed';
    case EventType.EVENT_TYPE_MARKER_RECORDED: {
      // Local activities (the log writes) leave a marker that names their type.
      const marker = a.markerRecordedEventAttributes;
      if (marker?.markerName && marker.markerName !== 'core_local_activity') return `Marker ${marker.markerName}`;
      const type = localActivityType(event);
      const what = type ? `${type} (local activity)` : 'Local activity';
      return marker?.failure ? `${what} failed: ${marker.failure.message ?? ''}` : `${what} completed`;
    }
    case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
      return `Child ${a.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? ''} requested`;
    case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
      return `Child ${a.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId ?? ''} started`;
    case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
      return 'Search attributes updated';
    case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
    case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
    case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
      return undefined;
    default:
      return eventTypeName(event.eventType);
  }
}

/** The workflow's event history, as the lines of the dashboard's timeline (decode it first: src/temporal/history-decode.ts). */
export function summarizeHistory(events: HistoryEvent[]): HistoryLine[] {
  const activityNames = new Map<string, string>();
  const lines: HistoryLine[] = [];
  for (const event of events) {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) activityNames.set(String(event.eventId), name);
    const summary = summarize(event, activityNames);
    if (summary === undefined) continue;
    const details = eventDetails(event);
    lines.push({ eventId: Number(event.eventId ?? 0), time: timeOf(event), type: eventTypeName(event.eventType), summary, ...(details ? { details } : {}) });
  }
  return lines;
}

/** Deep link to one execution in the Temporal Web UI. */
export function temporalUiLink(uiUrl: string, namespace: string, workflowId: string, runId?: string | null): string {
  const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
