import { createStackActivities } from './stack';

/** Every activity the worker registers, built from the clients it is given. */
export function createActivities() {
  return { ...createStackActivities() };
}

export type Activities = ReturnType<typeof createActivities>;
