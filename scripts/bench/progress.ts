// Progress goes to stderr, so stdout carries only the report.

export const say = (line: string): void => void process.stderr.write(`${line}\n`);

/** One line a second on stderr while a run is going. */
export function startProgress(label: string, total: number, read: () => { emitted: number; completed: number; failed: number }): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    const { emitted, completed, failed } = read();
    const seconds = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
    say(`  [${label}] ${seconds} s  emitted ${emitted}/${total}  completed ${completed}/${total}${failed > 0 ? `  failed ${failed}` : ''}`);
  }, 1000);
  return () => clearInterval(timer);
}
