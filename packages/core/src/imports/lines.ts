// Splits a byte stream into numbered UTF-8 lines without holding more than
// one line (at most maxLineBytes) in memory. Accepts LF and CRLF endings and
// drops a leading byte order mark.
import { UnreadableTapeError } from "./errors.ts";

export interface TextLine {
  /** 1-based line number. */
  lineNumber: number;
  text: string;
  /** True when the line exceeded maxLineBytes; `text` is then empty. */
  tooLong: boolean;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

function decodeLine(bytes: Buffer, lineNumber: number): string {
  const end =
    bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN
      ? bytes.length - 1
      : bytes.length;
  try {
    return new TextDecoder("utf-8", {
      fatal: true,
      ignoreBOM: lineNumber !== 1,
    }).decode(bytes.subarray(0, end));
  } catch (error) {
    throw new UnreadableTapeError(
      `Line ${lineNumber} is not valid UTF-8 text: save the file as UTF-8 (or plain ASCII) and upload it again.`,
      { rowNumber: lineNumber, cause: error },
    );
  }
}

/**
 * Yields the lines of `chunks`. A line longer than `maxLineBytes` is
 * yielded once with `tooLong` set and its bytes discarded. Throws
 * UnreadableTapeError on bytes that are not UTF-8.
 */
export async function* readLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<TextLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let lineNumber = 1;

  for await (const chunk of chunks) {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      if (!tooLong && pendingBytes + piece.length > maxLineBytes)
        tooLong = true;
      if (tooLong) {
        yield { lineNumber, text: "", tooLong: true };
      } else {
        const bytes =
          pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        yield {
          lineNumber,
          text: decodeLine(bytes, lineNumber),
          tooLong: false,
        };
      }
      pending = [];
      pendingBytes = 0;
      tooLong = false;
      lineNumber += 1;
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }

    const rest = chunk.subarray(start);
    if (!tooLong && pendingBytes + rest.length > maxLineBytes) {
      tooLong = true;
      pending = [];
      pendingBytes = 0;
    }
    if (!tooLong && rest.length > 0) {
      // Copy, because the stream may reuse the chunk's memory.
      pending.push(Buffer.from(rest));
      pendingBytes += rest.length;
    }
  }

  if (tooLong) {
    yield { lineNumber, text: "", tooLong: true };
  } else if (pendingBytes > 0) {
    yield {
      lineNumber,
      text: decodeLine(Buffer.concat(pending), lineNumber),
      tooLong: false,
    };
  }
}
