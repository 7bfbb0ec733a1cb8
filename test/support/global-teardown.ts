/** Stops only the servers the global setup started; reused ones keep running. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.__labwireTestStack?.stop();
  globalThis.__labwireTestStack = undefined;
}
