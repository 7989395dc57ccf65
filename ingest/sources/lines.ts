import { isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';

/**
 * Splits a byte stream into lines without ever holding more than `maxLineBytes` of one line:
 * a huge line keeps its first bytes and its true size, so it can be dead-lettered as
 * `too_large` without exhausting memory.
 */

export interface Line {
  /** 1-based line number in the stream. */
  line: number;
  text: string;
  /** True size of the line in bytes, without the line ending. */
  bytes: number;
  /** The bytes were not valid UTF-8 (`text` holds U+FFFD where they were not). */
  invalidUtf8?: boolean;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * Yields the complete lines of each chunk as one array, so a consumer batches by what has
 * arrived instead of waiting for a fixed count (stdin may trickle). Blank lines are counted
 * through `onBlank` and not yielded.
 */
export async function* splitLines(
  stream: Readable,
  maxLineBytes: number,
  signal: AbortSignal,
  onBlank: () => void = () => {},
): AsyncGenerator<Line[]> {
  let parts: Buffer[] = [];
  let kept = 0;
  let size = 0;
  let lineNo = 0;

  const finish = (out: Line[]): void => {
    lineNo++;
    let buf = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, kept);
    let bytes = size;
    if (bytes > 0 && buf.length === bytes && buf[buf.length - 1] === CR) { buf = buf.subarray(0, buf.length - 1); bytes--; }
    parts = []; kept = 0; size = 0;
    const text = buf.toString('utf8');
    if (bytes === 0 || (bytes <= 64 && text.trim() === '')) { onBlank(); return; }
    const l: Line = { line: lineNo, text, bytes };
    if (buf.length === bytes && !isUtf8(buf)) l.invalidUtf8 = true;
    out.push(l);
  };
  const keep = (piece: Buffer): void => {
    size += piece.length;
    const room = maxLineBytes - kept;
    if (room <= 0) return;
    const p = piece.length > room ? piece.subarray(0, room) : piece;
    // Copy: the chunk's memory is reused by the stream after we yield.
    parts.push(Buffer.from(p));
    kept += p.length;
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (signal.aborted) return;
    const out: Line[] = [];
    let from = 0;
    for (let nl = chunk.indexOf(NL, from); nl >= 0; nl = chunk.indexOf(NL, from)) {
      if (size === 0 && nl - from <= maxLineBytes) {
        // Fast path, the whole line inside this chunk: decode in place, no copy.
        parts = [chunk.subarray(from, nl)]; kept = size = nl - from;
      } else keep(chunk.subarray(from, nl));
      finish(out);
      from = nl + 1;
    }
    if (from < chunk.length) keep(chunk.subarray(from));
    if (out.length > 0) yield out;
  }
  if (size > 0 && !signal.aborted) {
    const out: Line[] = [];
    finish(out);
    if (out.length > 0) yield out;
  }
}
