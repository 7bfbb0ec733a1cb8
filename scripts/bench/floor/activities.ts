// The floor's one activity: does nothing, so its cost is Temporal's alone.

export async function floorNoop(): Promise<void> {}

export const floorActivities = { floorNoop };
export type FloorActivities = typeof floorActivities;
