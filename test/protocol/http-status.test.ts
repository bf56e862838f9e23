import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { classifyHttpStatus, httpStatusError, isTransientStatus, parseRetryAfter } from '../../src/protocol/http-status.js';

describe('the one HTTP status → error class mapping (protocol/http-status.ts)', () => {
  it('targets: 429 rate limited, 408/5xx unavailable, 401/403 auth, 409 conflict, other 4xx validation', () => {
    const table: [number, string, string][] = [
      [429, 'E_RATE_LIMITED', 'retriable'],
      [408, 'E_TARGET_UNAVAILABLE', 'retriable'],
      [500, 'E_TARGET_UNAVAILABLE', 'retriable'],
      [502, 'E_TARGET_UNAVAILABLE', 'retriable'],
      [503, 'E_TARGET_UNAVAILABLE', 'retriable'],
      [401, 'E_TARGET_AUTH', 'fatal'],
      [403, 'E_TARGET_AUTH', 'fatal'],
      [409, 'E_TARGET_CONFLICT', 'skippable'],
      [400, 'E_TARGET_VALIDATION', 'skippable'],
      [404, 'E_TARGET_VALIDATION', 'skippable'],
      [422, 'E_TARGET_VALIDATION', 'skippable'],
    ];
    for (const [status, code, errorClass] of table) assert.deepEqual(classifyHttpStatus(status, 'target'), { code, errorClass }, String(status));
  });

  it('sources: every failure is E_SOURCE_API, retriable exactly when transient', () => {
    for (const status of [429, 408, 500, 503]) assert.deepEqual(classifyHttpStatus(status, 'source'), { code: 'E_SOURCE_API', errorClass: 'retriable' });
    for (const status of [400, 401, 403, 404, 409]) assert.deepEqual(classifyHttpStatus(status, 'source'), { code: 'E_SOURCE_API', errorClass: 'fatal' });
    assert.deepEqual([429, 408, 500, 599, 400, 404].map(isTransientStatus), [true, true, true, true, false, false]);
  });

  it('Retry-After: delta-seconds or an HTTP-date; absent or unreadable is undefined, never 0', () => {
    const now = Date.parse('2026-12-07T05:00:00Z');
    assert.equal(parseRetryAfter('7', now), 7);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter(12, now), 12);
    assert.equal(parseRetryAfter('Mon, 07 Dec 2026 05:00:30 GMT', now), 30);
    assert.equal(parseRetryAfter('Mon, 07 Dec 2026 04:59:00 GMT', now), 0, 'a date in the past: go now');
    for (const bad of [null, undefined, '', 'soon', '-3', '1.5', Number.NaN, -1]) assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
  });

  it('httpStatusError carries the wait only for a transient status, and the cause', () => {
    const cause = new Error('sdk');
    const e = httpStatusError(429, 'slow down', { side: 'target', retryAfter: '3', cause });
    assert.deepEqual([e.code, e.errorClass, e.retryAfterSeconds, e.message, e.cause], ['E_RATE_LIMITED', 'retriable', 3, 'slow down', cause]);
    assert.equal(httpStatusError(400, 'bad', { side: 'target', retryAfter: '3' }).retryAfterSeconds, undefined);
    assert.equal(httpStatusError(503, 'down', { side: 'target', retryAfter: null }).retryAfterSeconds, undefined);
  });

  it('no connector classifies a status by hand (legacy sign-in verdicts and simulators aside)', () => {
    const walk = (dir: string, out: string[] = []): string[] => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) {
          if (name !== 'sim') walk(p, out);
        } else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'legacy-login.ts') out.push(p);
      }
      return out;
    };
    // A server-error range check (>= 500) or a retry class chosen next to a status is a second mapping.
    const handRolled = /status\w*\s*>=?\s*5\d\d\b|errorClass[^\n]*status|status[^\n]*\?\s*'(retriable|fatal|skippable)'/i;
    const offenders = walk('src/connectors').filter((f) => readFileSync(f, 'utf8').split('\n').some((line) => handRolled.test(line)));
    assert.deepEqual(offenders, [], 'use classifyHttpStatus / httpStatusError from src/protocol/http-status.ts');
  });
});
