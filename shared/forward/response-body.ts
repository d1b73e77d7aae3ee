// The backend's answer on its way back: a web ReadableStream that reads from the backend only as
// fast as the caller takes bytes, so a large download passes through in constant memory.

import type { Readable } from "node:stream";

/**
 * `body` as a web stream. Each read pulls one chunk from the backend; nothing is read ahead.
 * `settle` runs once, when the body ends, fails or is cancelled. A failure reaches the reader as
 * `mapError(error)`. Cancelling destroys the backend body, which gives its socket up.
 */
export function responseStream(
  body: Readable,
  settle: () => void,
  mapError: (error: unknown) => unknown,
): ReadableStream<Uint8Array> {
  const chunks: AsyncIterator<Uint8Array> = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await chunks.next();
        } catch (error) {
          settle();
          controller.error(mapError(error));
          return;
        }
        if (next.done === true) {
          settle();
          controller.close();
        } else {
          controller.enqueue(next.value);
        }
      },
      async cancel() {
        settle();
        await chunks.return?.();
      },
    },
    // Pull only when the reader asks: the backend socket is the buffer, and TCP the brake.
    { highWaterMark: 0 },
  );
}
