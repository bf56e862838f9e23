import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The SSO proxy's Prometheus metrics, on the gateway's registry (or its own when it runs alone).
 * Label values are closed sets: connection names come from the configuration (never from a
 * request), sides, decision sources and refusal reasons are fixed lists.
 */
export type DecidedBy = 'path' | 'parameter' | 'request_id' | 'issuer' | 'only_candidate' | 'unmatched';
export type RefusalReason = 'too_large' | 'content_type' | 'malformed' | 'unknown_connection' | 'no_target' | 'method';

export class SsoMetrics {
  readonly responses: Counter<'connection' | 'side' | 'decided_by'>;
  readonly starts: Counter<'connection' | 'side'>;
  readonly relayed: Counter<'connection' | 'side'>;
  readonly logins: Counter<'connection' | 'side' | 'outcome'>;
  readonly refused: Counter<'reason'>;
  readonly flagStoreErrors: Counter;
  readonly trackingErrors: Counter<'operation'>;
  readonly flagsAge: Gauge;
  readonly flagSide: Gauge<'connection'>;
  readonly certificateExpiry: Gauge<'connection'>;
  readonly autoRollbacks: Counter<'connection'>;
  readonly routeSeconds: Histogram<'kind'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.responses = new Counter({ name: 'flagless_sso_responses_total', help: 'SAML responses and OIDC callbacks forwarded, per connection, side and what decided the connection (path, parameter, request_id, issuer, only_candidate; unmatched = sent to the legacy callback the path is shared by).', labelNames: ['connection', 'side', 'decided_by'], registers });
    this.starts = new Counter({ name: 'flagless_sso_starts_total', help: 'SP-initiated starts sent to each side.', labelNames: ['connection', 'side'], registers });
    this.relayed = new Counter({ name: 'flagless_sso_relayed_requests_total', help: 'AuthnRequests / OIDC authorization requests relayed to the IdP and tracked to the side that issued them.', labelNames: ['connection', 'side'], registers });
    this.logins = new Counter({ name: 'flagless_sso_logins_total', help: 'Logins seen ending at each side (the provider redirecting back through /v1/sso/return, or the application reporting to /v1/sso/outcome): completed or failed.', labelNames: ['connection', 'side', 'outcome'], registers });
    this.refused = new Counter({ name: 'flagless_sso_refused_total', help: 'Requests the proxy refused: too_large (413), content_type (415), malformed, unknown_connection, no_target, method.', labelNames: ['reason'], registers });
    this.flagStoreErrors = new Counter({ name: 'flagless_sso_flag_store_errors_total', help: 'Flag reloads that failed (the state store was unreachable); routing went on with the last flags read.', registers });
    this.trackingErrors = new Counter({ name: 'flagless_sso_tracking_errors_total', help: 'Request-id / state tracking reads or writes that failed (the response was routed by its flag instead).', labelNames: ['operation'], registers });
    this.flagsAge = new Gauge({ name: 'flagless_sso_flags_age_seconds', help: 'Seconds since the flags were last read from the state store (grows while it is unreachable).', registers });
    this.flagSide = new Gauge({ name: 'flagless_sso_flag_target_share', help: 'Share of a connection routed to the target by its flag: 0 legacy, 1 target, the rollout percent / 100 in between (domain rollouts count as 1 for their domains: see sso status).', labelNames: ['connection'], registers });
    this.certificateExpiry = new Gauge({ name: 'flagless_sso_certificate_expiry_timestamp_seconds', help: "The connection's earliest IdP signing certificate expiry (Unix seconds), when known.", labelNames: ['connection'], registers });
    this.autoRollbacks = new Counter({ name: 'flagless_sso_auto_rollbacks_total', help: 'Connections this instance flipped back because their failure rate since a flip crossed --auto-rollback.', labelNames: ['connection'], registers });
    this.routeSeconds = new Histogram({ name: 'flagless_sso_route_seconds', help: 'Time the proxy spent deciding and answering, per kind of request (response, start, relay, return).', labelNames: ['kind'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers });
  }
}
