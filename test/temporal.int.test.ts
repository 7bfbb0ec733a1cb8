import type { Client } from '@temporalio/client';
import { openServices, type Services } from '../src/services';
import { connectClient } from '../src/temporal/connection';
import { startWorkers, type RunningWorkers } from '../src/worker/run-workers';
import { searchAttributes } from '../workflows/definitions';
import { ping } from '../workflows';
import { eventually, prebuiltWorkflowBundle, testConfig, uniqueId } from './support/fixtures';

describe('Temporal dev server', () => {
  const config = testConfig();
  const taskQueue = uniqueId('tq');
  let client: Client;
  let services: Services;
  let workers: RunningWorkers;

  beforeAll(async () => {
    client = await connectClient(config.temporal);
    services = await openServices(config);
    workers = await startWorkers(config, services, { queues: [taskQueue], workflowBundle: prebuiltWorkflowBundle() });
  });
  afterAll(async () => {
    await workers.stop();
    await services.close();
    await client.connection.close();
  });

  it('runs a workflow and its activity on a worker, and returns the result to the client', async () => {
    const result = await client.workflow.execute(ping, { taskQueue, workflowId: uniqueId('ping'), args: ['hello'] });
    expect(result.message).toBe('hello');
    expect(result.worker).toMatch(/^.+:\d+$/);
  });

  it('has Labwire search attributes registered, so executions can be found by lab, log, action and event', async () => {
    const labId = uniqueId('lab');
    const workflowId = uniqueId('ping');
    await client.workflow.execute(ping, {
        taskQueue,
        workflowId,
        args: ['indexed'],
        typedSearchAttributes: [
          { key: searchAttributes.labId, value: labId },
          { key: searchAttributes.logId, value: 'log-1' },
          { key: searchAttributes.actionCategoryId, value: '1' },
          { key: searchAttributes.eventId, value: 'event-1' },
        ],
      });
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const execution of client.workflow.list({ query: `LabId = "${labId}" AND EventId = "event-1"` })) ids.push(execution.workflowId);
      return ids.length > 0 ? ids : undefined;
    });
    expect(found).toEqual([workflowId]);
  });

  it('serves the Temporal Web UI', async () => {
    const response = await fetch(config.temporal.uiUrl);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/<html/i);
  });
});
