import { hostname } from 'node:os';

export function createStackActivities() {
  return {
    async describeWorker(): Promise<string> {
      return `${hostname()}:${process.pid}`;
    },
  };
}

export type StackActivities = ReturnType<typeof createStackActivities>;
