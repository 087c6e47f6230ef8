/**
 * workerd's byte TransformStreams (api/streams/identity-transform-stream.h):
 * - `IdentityTransformStream`: what is written comes out as is; only bytes may be written.
 * - `FixedLengthStream(length)`: the same, for exactly `length` bytes; a Response whose body is its readable
 *   side is sent with that Content-Length (see `expectedLengthOf`).
 */
const expectedLengths = new WeakMap<ReadableStream, number>();

function toBytes(chunk: unknown): Uint8Array {
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer || Object.prototype.toString.call(chunk) === "[object ArrayBuffer]") {
    return new Uint8Array(chunk as ArrayBuffer);
  }
  throw new TypeError(
    "This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.",
  );
}

export class IdentityTransformStream extends TransformStream<ArrayBuffer | ArrayBufferView, Uint8Array> {
  constructor(transform: (bytes: Uint8Array) => void = () => {}, flush: () => void = () => {}) {
    super({
      transform(chunk, controller) {
        const bytes = toBytes(chunk);
        transform(bytes);
        if (bytes.byteLength > 0) controller.enqueue(bytes);
      },
      flush,
    });
  }

  get [Symbol.toStringTag](): string {
    return "IdentityTransformStream";
  }
}

export class FixedLengthStream extends IdentityTransformStream {
  constructor(expectedLength: number | bigint) {
    const length = Number(expectedLength);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new TypeError("FixedLengthStream requires a non-negative integer expected length.");
    }
    let written = 0;
    super(
      (bytes) => {
        written += bytes.byteLength;
        if (written > length) throw new TypeError("Attempt to write too many bytes through a FixedLengthStream.");
      },
      () => {
        if (written < length) throw new TypeError("FixedLengthStream did not see all expected bytes before close().");
      },
    );
    expectedLengths.set(this.readable, length);
  }

  override get [Symbol.toStringTag](): string {
    return "FixedLengthStream";
  }
}

/** The byte length a FixedLengthStream's readable side will carry, if `stream` is one. */
export function expectedLengthOf(stream: unknown): number | undefined {
  return stream instanceof ReadableStream ? expectedLengths.get(stream) : undefined;
}
