// The updates a client received, so a test can wait for one whether it has already arrived or not.
import { Raw } from 'telegram/events/index.js';
import type { GramjsHandle } from './gramjs.js';
import type { MtcuteHandle } from './mtcute.js';

export class Inbox {
  readonly items: any[] = [];
  private waiters: { pred: (u: any) => boolean; resolve: (u: any) => void }[] = [];

  push(u: any): void {
    this.items.push(u);
    for (const w of [...this.waiters]) {
      if (safe(w.pred, u)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(u);
      }
    }
  }

  waitFor(pred: (u: any) => boolean, what: string, timeoutMs = 15_000): Promise<any> {
    const found = this.items.find((u) => safe(pred, u));
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no update: ${what}; received: ${this.items.map((u) => u?._ ?? u?.className ?? JSON.stringify(u?.text)).join(', ')}`)), timeoutMs);
      this.waiters.push({ pred, resolve: (u) => (clearTimeout(timer), resolve(u)) });
    });
  }
}

/** A predicate that throws on an update of another shape just does not match it. */
function safe(pred: (u: any) => boolean, u: any): boolean {
  try {
    return pred(u);
  } catch {
    return false;
  }
}

/** Every raw update GramJS receives goes into `inbox`. */
export function watchGramjs(h: GramjsHandle, inbox: Inbox): void {
  h.client.addEventHandler((u: any) => inbox.push(u), new Raw({}));
}

/** Every raw update mtcute's updates manager applies goes into `inbox`. */
export function watchMtcute(h: MtcuteHandle, inbox: Inbox): void {
  h.client.onRawUpdate.add((info: any) => inbox.push(info.update));
}
