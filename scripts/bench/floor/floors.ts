// The three floor runs: which workflow each starts and how the report names it.

/** The floor worker's own queue: Labwire's workers never see these workflows. */
export const FLOOR_TASK_QUEUE = 'labwire-bench-floor';

export interface Floor {
  /** An export of ./workflows.ts. */
  workflowType: 'floorEmptyWorkflow' | 'floorLocalActivityWorkflow' | 'floorActivityWorkflow';
  label: string;
  /** Short name for the ratio table's header. */
  short: string;
}

export const floors: Floor[] = [
  { workflowType: 'floorEmptyWorkflow', label: 'Floor: empty workflow', short: 'empty workflow' },
  { workflowType: 'floorLocalActivityWorkflow', label: 'Floor: workflow + 1 local activity (no-op)', short: '+ 1 local activity' },
  { workflowType: 'floorActivityWorkflow', label: 'Floor: workflow + 1 activity (no-op)', short: '+ 1 activity' },
];
