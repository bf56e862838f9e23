import type { CanonicalUser, Organization } from '../model/user.js';

/**
 * Sync while both providers run: a source's change notifications (signed webhooks) and its API,
 * in vendor-free terms. A connector verifies and decodes its vendor's deliveries; the engine
 * applies the changes exactly once, newest state wins, through the Target protocol.
 */

/** One event of a verified delivery, as the inbox keeps it (a delivery may hold several: Auth0 log batches). */
export interface InboundEvent {
  /** The vendor's id for the event, the same on every retry (Svix `svix-id`, a CloudEvent `id`, a log's `log_id`). */
  id: string;
  /** The vendor's event type (`user.updated`, `ss`...), for metrics and messages. */
  type: string;
  /**
   * What the event is about, so that events about one subject are applied in order: the user's
   * source id, or `org:<id>` for an organization.
   */
  subject: string;
  /** When the change happened at the source (epoch ms), as the vendor says. */
  occurredAtMs: number;
  /** The vendor's JSON for this one event (webhooks carry no hash and no secret). */
  body: string;
}

/** What one event means for the target. */
export type SourceChange =
  /**
   * A user's state: complete unless `membershipsKnown` is false (a webhook's user object lists no
   * memberships). Its `user.passwordChangedAt`, where the source gives one (Clerk
   * `password_last_updated_at`), tells a password change the event does not name otherwise.
   */
  | { kind: 'user'; user: CanonicalUser; updatedAtMs?: number; membershipsKnown: boolean }
  /** Something about the user changed and the event does not say what in full: read the current record. */
  | { kind: 'user-touched'; userId: string }
  | { kind: 'user-deleted'; userId: string; atMs: number }
  /** The password changed at the source: the target's copy is stale (webhooks carry no hash). */
  | { kind: 'password-changed'; userId: string; atMs: number }
  /**
   * An organization's state (created or changed). `updatedAtMs`: the source's `updated_at`, or the
   * event's time where the vendor sends none; a state older than the one applied is stale.
   */
  | { kind: 'organization'; organization: Organization; updatedAtMs?: number }
  | { kind: 'organization-deleted'; organizationId: string; atMs: number }
  | { kind: 'ignored'; reason: string };

/** A source's webhook endpoint logic: authentication of a delivery, and decoding of its events. */
export interface WebhookReceiver {
  readonly vendor: string;
  /**
   * Authenticates one delivery (signature, timestamp, token) and splits it into events. Throws
   * FlaglessError `E_WEBHOOK_AUTH` for an unauthenticated delivery and `E_WEBHOOK_PAYLOAD` for one
   * it cannot read; messages never quote a secret, a signature or the body.
   */
  receive(headers: Readonly<Record<string, string | string[] | undefined>>, rawBody: Buffer): InboundEvent[];
  /** Pure: what an inbox event means (called again on every attempt, so the inbox keeps vendor JSON only). */
  decode(event: InboundEvent): SourceChange;
}

/** The current state of single records at the source, through its API (for partial and out-of-order events). */
export interface SourceRecords {
  /** The user as the source holds it now, memberships included (and its `passwordChangedAt` where the API gives one); undefined when it is gone. */
  user(sourceId: string): Promise<{ user: CanonicalUser; updatedAtMs?: number } | undefined>;
  organization(sourceId: string): Promise<Organization | undefined>;
}

export interface SyncFactoryOptions {
  env: Record<string, string | undefined>;
  /** The vendor API's base URL (a simulator). */
  apiUrl?: string;
}

/** What a source connector offers for sync. */
export interface SourceSync {
  /** The webhook receiver; refuses (E_USAGE) without its secret in `env`. */
  webhooks?(options: SyncFactoryOptions): Promise<WebhookReceiver>;
  /** Single-record reads through the vendor's API. */
  records?(options: SyncFactoryOptions): Promise<SourceRecords>;
}
