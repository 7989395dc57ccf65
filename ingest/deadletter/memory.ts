import type { DeadLetter, DeadLetterSink } from '../types.ts';

/** Keeps dead letters in memory: tests, and embedding where the caller reads them back. */
export class MemoryDeadLetterSink implements DeadLetterSink {
  readonly letters: DeadLetter[] = [];
  closed = false;

  async write(letters: DeadLetter[]): Promise<void> {
    if (this.closed) throw new Error('memory dead-letter sink is closed');
    this.letters.push(...letters);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
