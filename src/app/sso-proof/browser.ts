// Real browser logins for the SSO proof: Debian's chromium driven by playwright-core (loaded
// lazily; no browser download). One browser context per connection keeps each connection's IdP
// session apart; a login follows every redirect and auto-submitted form the IdP and the proxy send
// until a service provider's page says signed in (or failed). Every SAMLResponse the browser posts
// to the legacy ACS URL (the first hop, as the IdP signed it) is hashed, so the receiver's hash
// proves the response reached it byte-for-byte.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { FlaglessError } from '../../protocol/errors.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
// A first login (the IdP's login page, its theme) took 18-23 s on the shared 2-core machine under load;
// a stalled login still ends, as a failure, well within the proof's bounds.
const LOGIN_TIMEOUT_MS = 60_000;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface LoginOutcome {
  ok: boolean;
  /** The provider whose page the login ended on (data-provider), when it ended on one. */
  provider?: string;
  /** Why it failed (the SP's message, or a timeout); never response content. */
  reason?: string;
  /** SHA-256 of each SAMLResponse the browser posted to a legacy ACS URL during this login. */
  samlResponseSha256: string[];
  /** When the browser sent the request the proxy routes by (the start, or the IdP's post / redirect). */
  routedAt?: number;
  startedAt: number;
  endedAt: number;
}

export interface BrowserSession {
  login(startUrl: string): Promise<LoginOutcome>;
  close(): Promise<void>;
}

export interface ProofBrowser {
  /** A fresh context (no cookies) that signs in at the IdP as `user` when its login page appears. */
  session(user: { username: string; password: string }, routedUrls: (url: string, method: string) => boolean): Promise<BrowserSession>;
  close(): Promise<void>;
}

/** Launches headless chromium; E_PREREQUISITE (exit 2) with the way out when it or playwright-core is missing. */
export async function launchProofBrowser(executablePath = DEFAULT_CHROMIUM): Promise<ProofBrowser> {
  if (!existsSync(executablePath)) {
    throw new FlaglessError('E_PREREQUISITE', `chromium was not found at ${executablePath}: install it (Debian/Ubuntu: apt-get install chromium) or give its path with --chromium.`);
  }
  let chromium: typeof import('playwright-core').chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    throw new FlaglessError('E_PREREQUISITE', 'the package playwright-core is not installed: run `npm install playwright-core` (it drives the local chromium; no browser is downloaded).');
  }
  const browser: Browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  return {
    async session(user, routedUrls) {
      const context: BrowserContext = await browser.newContext();
      const page: Page = await context.newPage();
      let current: LoginOutcome | undefined;
      page.on('request', (req) => {
        if (!current) return;
        const url = req.url();
        if (!routedUrls(url, req.method())) return;
        current.routedAt ??= Date.now();
        if (req.method() !== 'POST') return;
        const body = req.postData();
        const value = body ? new URLSearchParams(body).get('SAMLResponse') : null;
        if (value) current.samlResponseSha256.push(createHash('sha256').update(value).digest('hex'));
      });
      return {
        async login(startUrl) {
          const outcome: LoginOutcome = { ok: false, samlResponseSha256: [], startedAt: Date.now(), endedAt: 0 };
          current = outcome;
          // A page that is an error without being a provider's page (the proxy's JSON refusal, an
          // IdP error) ends the login at once instead of after the timeout.
          let bad: { status: number; path: string; at: number } | undefined;
          const onResponse = (resp: import('playwright-core').Response): void => {
            const req = resp.request();
            if (resp.status() >= 400 && req.isNavigationRequest() && req.frame() === page.mainFrame()) bad = { status: resp.status(), path: new URL(resp.url()).pathname, at: Date.now() };
          };
          page.on('response', onResponse);
          try {
            await page.goto(startUrl, { waitUntil: 'commit', timeout: LOGIN_TIMEOUT_MS });
            const done = 'main#signed-in, main#login-failed, #kc-error-message';
            let submitted = false;
            const deadline = Date.now() + LOGIN_TIMEOUT_MS;
            for (;;) {
              const found = await page.waitForSelector(`${done}, #kc-form-login`, { timeout: 250 }).catch(() => null);
              const id = found ? await found.getAttribute('id').catch(() => null) : null;
              if (found && id === 'kc-form-login' && !submitted) {
                submitted = true;
                await page.fill('#username', user.username);
                await page.fill('#password', user.password);
                await page.click('#kc-login');
                continue;
              }
              if (found && id && id !== 'kc-form-login') {
                outcome.provider = (await found.getAttribute('data-provider')) ?? undefined;
                if (id === 'signed-in') outcome.ok = true;
                else outcome.reason = `${id === 'kc-error-message' ? 'IdP error: ' : ''}${((await found.textContent()) ?? '').trim().slice(0, 200)}`;
                break;
              }
              if (bad && Date.now() - bad.at > 500) {
                outcome.reason = `HTTP ${bad.status} at ${bad.path}`;
                break;
              }
              if (Date.now() > deadline) {
                outcome.reason = `browser: no provider page within ${LOGIN_TIMEOUT_MS / 1000} s (at ${new URL(page.url()).pathname})`;
                break;
              }
            }
          } catch (e) {
            outcome.reason = `browser: ${(e as Error).message.split('\n')[0]!.slice(0, 200)}`;
          } finally {
            page.off('response', onResponse);
            outcome.endedAt = Date.now();
            current = undefined;
          }
          return outcome;
        },
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
