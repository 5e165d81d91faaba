/**
 * Runs async sections one at a time per key, in arrival order (a keyed mutex). Core uses
 * it for admission: reading a host's load and committing the VM's transitional state
 * (`poweringOn`) happen as one step per host, so two power-ons on one host cannot both
 * read the load from before the other and overcommit it.
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
