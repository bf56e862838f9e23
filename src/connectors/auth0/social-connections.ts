import type { SocialConnection } from '../../protocol/doctor.js';

/** Auth0 social strategies → the names flagless compares social connections by. */
const STRATEGY_NAMES: Record<string, string> = {
  'google-oauth2': 'google',
  github: 'github',
  windowslive: 'microsoft',
  facebook: 'facebook',
  apple: 'apple',
  linkedin: 'linkedin',
  twitter: 'twitter',
  gitlab: 'gitlab',
};

/**
 * The social connections of an Auth0 tenant from the Management API's `GET /api/v2/connections`
 * (an array of `{ name, strategy, options: { client_id } }`; database and enterprise connections
 * are left out). Undefined when the JSON is not that shape.
 */
export function auth0SocialConnections(json: unknown): SocialConnection[] | undefined {
  const list = Array.isArray(json) ? json : Array.isArray((json as { connections?: unknown })?.connections) ? (json as { connections: unknown[] }).connections : undefined;
  if (!list || !list.every((c) => c && typeof c === 'object' && typeof (c as { strategy?: unknown }).strategy === 'string')) return undefined;
  return (list as { strategy: string; options?: { client_id?: string } }[])
    .filter((c) => STRATEGY_NAMES[c.strategy])
    .map((c) => ({ provider: STRATEGY_NAMES[c.strategy]!, clientId: c.options?.client_id || undefined }));
}
