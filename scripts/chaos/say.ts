// Progress goes to stderr, so stdout carries only the table.
export const say = (line: string): void => void process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
