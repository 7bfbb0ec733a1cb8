// What Temporal records per delivery: counted from the histories of a sample of a run's workflows and their children.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const { EventType } = temporal.api.enums.v1;

/** Sums over the sampled roots and every child workflow they started. */
export interface HistoryFigures {
  roots: number;
  workflows: number;
  events: number;
  workflowTasks: number;
  activityTasks: number;
  localActivities: number;
}

const SAMPLE_SIZE = 25;

/** Every `size`-th id, so the sample spans the whole run rather than its start. */
function spread(ids: string[], size: number): string[] {
  if (ids.length <= size) return ids;
  return Array.from({ length: size }, (_, i) => ids[Math.floor((i * ids.length) / size)]!);
}

async function countTree(client: Client, workflowId: string, runId: string | undefined, into: HistoryFigures): Promise<void> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  into.workflows += 1;
  for (const event of history.events ?? []) {
    into.events += 1;
    const type = event.eventType;
    if (type === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) into.workflowTasks += 1;
    else if (type === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) into.activityTasks += 1;
    // The SDK records each local activity as a marker.
    else if (type === EventType.EVENT_TYPE_MARKER_RECORDED) into.localActivities += 1;
    else if (type === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED) {
      const child = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
      if (child?.workflowId) await countTree(client, child.workflowId, child.runId ?? undefined, into);
    }
  }
}

/** Reads the histories of a sample of the run's root workflows (after the run, outside its timing) and keeps the sums on the result. */
export async function sampleHistories(client: Client, rootWorkflowIds: string[]): Promise<HistoryFigures> {
  const figures: HistoryFigures = { roots: 0, workflows: 0, events: 0, workflowTasks: 0, activityTasks: 0, localActivities: 0 };
  for (const id of spread(rootWorkflowIds, SAMPLE_SIZE)) {
    await countTree(client, id, undefined, figures);
    figures.roots += 1;
  }
  return figures;
}
