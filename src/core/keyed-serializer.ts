/**
 * Runs async sections one at a time per key, in arrival order (a keyed mutex), for a read
 * and a write that are not one store transaction (VDI preferences). A check and a write
 * that fit in one transaction need none: the store runs transactions one at a time
 * (power-on admission does so).
 */
export class KeyedSerializer {
  readonly #tails = new Map<string, Promise<void>>();

  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((r) => (done = r));
    const tail = before.then(() => mine);
    this.#tails.set(key, tail);
    await before;
    try {
      return await section();
    } finally {
      done();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Keys with a section running or waiting (for tests). */
  get size(): number {
    return this.#tails.size;
  }
}
