// The hook through which stored messages get fresh file references when they are read. Message rows keep
// their MessageMedia as encoded at send time; messageTl (src/messenger/message-row.ts) passes it through
// here. One refresher per process (the media service installs it at start-up): every echod node derives
// the same reference secret from the server key, so any node's references are valid on all of them.
import type { TlObject } from '../../tl/index.js';

let refresher: ((media: TlObject) => TlObject) | undefined;

export function setMediaRefresher(fn: ((media: TlObject) => TlObject) | undefined): void {
  refresher = fn;
}

export function refreshMediaReferences(media: TlObject | undefined): TlObject | undefined {
  return media && refresher ? refresher(media) : media;
}
