import { randomBytes } from 'node:crypto';
import { Webhook } from 'svix';

/**
 * Clerk's webhooks as Svix sends them: a `msg_…` id, the send time in seconds, and the
 * signature `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` computed by the `svix` library
 * itself, so the receiver is checked against the vendor's own signing code. A retry by Svix is
 * the same id and body with a new timestamp and signature (`resign`).
 */
export interface SignedDelivery {
  id: string;
  type: string;
  body: string;
  headers: { 'svix-id': string; 'svix-timestamp': string; 'svix-signature': string; 'content-type': 'application/json' };
}

export class WebhookSigner {
  readonly #wh: Webhook;

  constructor(secret: string) {
    this.#wh = new Webhook(secret);
  }

  sign(event: { type: string } & Record<string, unknown>, at: Date = new Date()): SignedDelivery {
    const id = `msg_${randomBytes(12).toString('hex')}`;
    const body = JSON.stringify(event);
    return { id, type: event.type, body, headers: this.#headers(id, body, at) };
  }

  /** The same message sent again later (a Svix retry): same id and body, fresh timestamp and signature. */
  resign(d: SignedDelivery, at: Date = new Date()): SignedDelivery {
    return { ...d, headers: this.#headers(d.id, d.body, at) };
  }

  #headers(id: string, body: string, at: Date): SignedDelivery['headers'] {
    return { 'svix-id': id, 'svix-timestamp': String(Math.floor(at.getTime() / 1000)), 'svix-signature': this.#wh.sign(id, at, body), 'content-type': 'application/json' };
  }
}

/** POSTs one delivery; returns the HTTP status. */
export async function deliver(url: string, d: SignedDelivery): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: d.headers, body: d.body });
  await res.arrayBuffer();
  return res.status;
}
