// Everything one side posts during a turn of the event loop leaves as one batch: one serialization and one
// write per turn on the link instead of one per item (a busy core posts thousands of items a second).

export class ItemBatcher<T> {
  private pending: T[] = [];
  private scheduled = false;

  constructor(private readonly send: (items: T[]) => void) {}

  post(item: T): void {
    this.pending.push(item);
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate, not a microtask: the flushes of every session written this turn are in the batch.
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    this.send(items);
  }
}
