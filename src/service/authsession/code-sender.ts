// How a login code reaches the person: the server log (read by the operator, or with `echod codes`) or
// an HTTP webhook in front of an SMS gateway.
import type { Logger } from '../../infra/log.js';

export interface CodeDelivery {
  /** Digits only. */
  phone: string;
  code: string;
  /** The phone_code_hash the code belongs to. */
  hash: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export interface CodeSender {
  /** Resolves once the code is handed over; throws when it could not be. */
  send(delivery: CodeDelivery): Promise<void>;
}

/** The default: a log line the operator passes on by hand. */
export class LogCodeSender implements CodeSender {
  constructor(private readonly log: Logger) {}

  async send(d: CodeDelivery): Promise<void> {
    this.log.info({ phone: d.phone, code: d.code, expiresAt: new Date(d.expiresAt).toISOString() }, 'login code');
  }
}

/** How long the gateway may take before auth.sendCode gives up. */
const WEBHOOK_TIMEOUT_MS = 5000;

/**
 * POSTs `{phone, code, hash, expiresAt}` as JSON; any 2xx counts as delivered. The code never goes to the
 * log here: with a gateway in place, the log is no longer the channel.
 */
export class WebhookCodeSender implements CodeSender {
  constructor(
    private readonly url: string,
    private readonly log: Logger,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async send(d: CodeDelivery): Promise<void> {
    let status: number;
    try {
      const res = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: d.phone, code: d.code, hash: d.hash, expiresAt: Math.floor(d.expiresAt / 1000) }),
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      this.log.error({ phone: d.phone, err: (err as Error).message }, 'code webhook unreachable');
      throw new Error('code webhook unreachable');
    }
    if (status < 200 || status > 299) {
      this.log.error({ phone: d.phone, status }, 'code webhook refused the code');
      throw new Error(`code webhook answered ${status}`);
    }
    this.log.info({ phone: d.phone }, 'login code sent to the webhook');
  }
}
