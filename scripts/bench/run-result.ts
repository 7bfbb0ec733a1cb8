import type { Percentiles } from './percentiles';

/** What every run (Labwire or ceiling) reports: one row of the table plus its notes. */
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
}
