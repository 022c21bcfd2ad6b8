// The JSON shapes of accounts and devices for administrators (admin HTTP API, `echod ... --json`).
// ids are decimal strings: they are 64-bit and JSON numbers are not.
import type { UserRecord } from '../users/user-store.js';
import type { Device } from '../authsession/device-directory.js';

export function userJson(u: UserRecord) {
  return {
    id: u.id.toString(),
    phone: u.phone,
    firstName: u.firstName,
    lastName: u.lastName,
    username: u.username,
    about: u.about,
    kind: u.kind,
    banned: u.banned,
    deleted: u.deleted,
    createdAt: isoSeconds(u.createdAt),
    lastSeenAt: u.lastSeenAt ? isoSeconds(u.lastSeenAt) : null,
  };
}

export function deviceJson(d: Device) {
  return {
    authKeyId: d.permKeyId.toString(),
    userId: d.userId?.toString() ?? null,
    createdAt: isoSeconds(d.createdAt),
    deviceModel: d.client?.deviceModel ?? null,
    systemVersion: d.client?.systemVersion ?? null,
    appVersion: d.client?.appVersion ?? null,
    apiId: d.client?.apiId ?? null,
    ip: d.client?.ip ?? null,
  };
}

export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
