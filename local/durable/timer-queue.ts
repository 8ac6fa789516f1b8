// A min-heap of items by due time: the engine's pending durable timers (and anything else not due yet).

export class TimerQueue<T> {
  #heap: Array<{ dueAt: number; seq: number; item: T }> = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  peekDue(): number | undefined {
    return this.#heap[0]?.dueAt;
  }

  push(dueAt: number, item: T): void {
    const h = this.#heap;
    h.push({ dueAt, seq: this.#seq++, item });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(i, p)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  /** Removes and returns every item due at or before `now`, earliest first. */
  popDue(now: number): T[] {
    const out: T[] = [];
    while (this.#heap.length && this.#heap[0]!.dueAt <= now) out.push(this.#pop());
    return out;
  }

  /** Removes items matching `pred` (e.g. everything of a purged instance). */
  removeWhere(pred: (item: T) => boolean): void {
    const kept = this.#heap.filter((e) => !pred(e.item));
    this.#heap = [];
    for (const e of kept) this.push(e.dueAt, e.item);
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a]!;
    const y = this.#heap[b]!;
    return x.dueAt < y.dueAt || (x.dueAt === y.dueAt && x.seq < y.seq);
  }

  #pop(): T {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(l, m)) m = l;
        if (r < h.length && this.#less(r, m)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top.item;
  }
}
