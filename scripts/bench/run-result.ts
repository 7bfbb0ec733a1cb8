import type { CpuUsage } from './cpu-usage';
import type { HistoryFigures } from './history-sample';
import type { Percentiles } from './percentiles';

/** What every run (Labwire, floor or ceiling) reports: one row of the table plus its notes. */
export interface RunResult {
  label: string;
  offered: string;
  events: number;
  completed: number;
  /** Finished with a final status other than SUCCESS. */
  failed: Map<string, number>;
  /** Reached SUCCESS, but later than the timeout. */
  late: number;
  /** Never became final (the run stopped waiting after the timeout without progress). */
  unfinished: number;
  deliveriesPerSecond: number;
  latency: Percentiles;
  notes: string[];
  /** The workflows each delivery started from (Labwire's event workflows, the floor's workflows) that completed; none for the ceiling. */
  rootWorkflowIds: string[];
  /** Set by `withCpu`. */
  cpu?: CpuUsage;
  /** Set by `sampleHistories`, for the runs whose histories were read. */
  history?: HistoryFigures;
}
