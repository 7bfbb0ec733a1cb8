/** One line of progress for a person watching the stack start. */
export type Say = (line: string) => void;

export const sayToStderr: Say = (line) => process.stderr.write(`${line}\n`);

export const silent: Say = () => undefined;
