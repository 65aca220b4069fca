/**
 * Recently served thumbnails, by file id, within a byte budget (oldest use first out). The
 * photo route is public: without this every card on every visitor's search page would be a
 * read from the mesh, and a loop of requests would be a load on the nodes that costs nothing
 * to make. A file id never changes its bytes (a new photo is a new file), so entries never go stale.
 */
export class ThumbnailCache {
  readonly #entries = new Map<string, Buffer>();
  #bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(fileId: string): Buffer | undefined {
    const hit = this.#entries.get(fileId);
    if (hit !== undefined) {
      // Map order is use order: move the hit to the newest end.
      this.#entries.delete(fileId);
      this.#entries.set(fileId, hit);
    }
    return hit;
  }

  set(fileId: string, bytes: Buffer): void {
    if (bytes.length > this.maxBytes) return;
    this.delete(fileId);
    this.#entries.set(fileId, bytes);
    this.#bytes += bytes.length;
    for (const [oldest, value] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= value.length;
    }
  }

  delete(fileId: string): void {
    const old = this.#entries.get(fileId);
    if (old === undefined) return;
    this.#entries.delete(fileId);
    this.#bytes -= old.length;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }
}
