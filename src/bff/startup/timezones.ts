// help.getTimezonesList: the IANA time zones this server's runtime knows, with their current UTC offsets.
// Offsets move with daylight saving time, so the list is rebuilt per quarter hour (every zone changes its
// offset on a quarter-hour boundary) and its hash follows the content.
import type { Obj, TlType } from '../../tl/index.js';
import { cached32, type Cached } from './cache-hash.js';

const QUARTER_HOUR_MS = 15 * 60 * 1000;

/** "GMT+05:30" / "GMT-03:00" / "GMT" as Intl prints them, in seconds east of UTC. */
export function parseGmtOffset(text: string): number {
  const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(text);
  if (!m) throw new Error(`unexpected offset text ${JSON.stringify(text)}`);
  if (!m[1]) return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60;
  return m[1] === '-' ? -seconds : seconds;
}

/** The UTC offset of `zone` at `ms`, in seconds. */
export function utcOffset(zone: string, ms: number): number {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(ms).find((p) => p.type === 'timeZoneName');
  return parseGmtOffset(part?.value ?? 'GMT');
}

/** "America/Argentina/Buenos_Aires" -> "Buenos Aires (America/Argentina)". */
export function zoneName(zone: string): string {
  const cut = zone.lastIndexOf('/');
  if (cut < 0) return zone.replace(/_/g, ' ');
  return `${zone.slice(cut + 1).replace(/_/g, ' ')} (${zone.slice(0, cut).replace(/_/g, ' ')})`;
}

export class TimezoneList {
  private window = -1;
  private current: Cached<number, TlType<'help.TimezonesList'>> | undefined;

  constructor(private readonly zones: readonly string[] = Intl.supportedValuesOf('timeZone')) {}

  /** The list as of `ms` (cached for its quarter hour). */
  at(ms: number): Cached<number, TlType<'help.TimezonesList'>> {
    const window = Math.floor(ms / QUARTER_HOUR_MS);
    if (!this.current || window !== this.window) {
      const timezones = this.zones.map((id): Obj<'timezone'> => ({ _: 'timezone', id, name: zoneName(id), utcOffset: utcOffset(id, ms) }));
      this.current = cached32<TlType<'help.TimezonesList'>>('timezones', (hash) => ({ _: 'help.timezonesList', timezones, hash }), { _: 'help.timezonesListNotModified' });
      this.window = window;
    }
    return this.current;
  }
}
