import type { Response } from 'express';

/**
 * Writes, then waits while the client has not read what was written before (or has gone): a long
 * streamed export (logs, the audit trail) holds little memory whatever the client's pace.
 */
export async function writeWhenRead(res: Response, text: string): Promise<void> {
  if (res.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
