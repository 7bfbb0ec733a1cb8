/**
 * `work`, or a rejection naming `what` once `ms` have passed without it settling. The work itself
 * goes on (nothing here can stop it); a failure it meets after the deadline has nobody left to tell.
 */
export function settlesWithin<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
