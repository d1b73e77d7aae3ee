// The backend's answer on its way back: a web ReadableStream that reads from the backend only as
// fast as the caller takes bytes, so a large download passes through in constant memory.

import type { Readable } from "node:stream";

/**
 * `body` as a web stream, once its first chunk (or its end) has arrived: until then nothing has
 * gone to the caller, so a backend that stalls or breaks before its first body byte rejects here
 * with `mapError(error)` and can still be answered 502/504 rather than as a 200 cut short. After
 * that each read pulls one chunk from the backend; nothing more is read ahead. `settle` runs
 * once, when the body ends, fails or is cancelled. A later failure reaches the reader as
 * `mapError(error)`. Cancelling destroys the backend body, which gives its socket up.
 */
export async function responseStream(
  body: Readable,
  settle: () => void,
  mapError: (error: unknown) => unknown,
): Promise<ReadableStream<Uint8Array>> {
  const chunks: AsyncIterator<Uint8Array> = body[Symbol.asyncIterator]();
  let first: IteratorResult<Uint8Array> | undefined;
  try {
    first = await chunks.next();
  } catch (error) {
    settle();
    throw mapError(error);
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = first ?? (await chunks.next());
          first = undefined;
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
