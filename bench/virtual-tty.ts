/**
 * A terminal that is not there, for benchmarks that mount the real TUI: ink writes its frames into `VirtualTty`
 * (120×40 unless told otherwise; the bytes are counted, not kept) and reads keys from `VirtualStdin` (none come).
 */
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';

export class VirtualTty extends Writable {
  isTTY = true;
  bytes = 0;
  constructor(
    public columns = 120,
    public rows = 40,
  ) {
    super();
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void) {
    this.bytes += chunk.length;
    cb();
  }
}

export class VirtualStdin extends EventEmitter {
  isTTY = true;
  setRawMode() {}
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
  read() {
    return null;
  }
}
