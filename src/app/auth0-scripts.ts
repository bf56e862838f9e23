import { auth0Scripts } from '../gateway/lazy/auth0-script.js';

/** The Auth0 custom-database scripts (Login, Get User) that call the gateway's lazy-migration endpoints. */
export function auth0CustomDatabaseScripts(): string {
  return auth0Scripts();
}
