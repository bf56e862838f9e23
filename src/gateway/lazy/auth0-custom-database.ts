import { primaryEmail, type CanonicalUser } from '../../model/user.js';

/**
 * The contract of Auth0's custom database ("automatic migration"): the action scripts that make
 * Auth0 pull users from the gateway, and the profile the gateway answers them with.
 *
 * Auth0 custom-database action scripts that make Auth0 pull users from the gateway (Auth0's
 * "automatic migration"): `login(userNameOrEmail, password, callback)` and
 * `getUser(userNameOrEmail, callback)`, written for the Node 18+ sandbox (global `fetch`).
 *
 * The gateway URL and token come from the connection's settings (`configuration.FLAGLESS_URL`,
 * `configuration.FLAGLESS_TOKEN`), never from the script text. Callback contract (Auth0 docs,
 * "Custom Database Error Handling"): `callback(null, profile)` on success;
 * `callback(new WrongUsernameOrPasswordError(id, msg))` for bad credentials;
 * `callback(null)` from get_user when there is no such user; `callback(new Error(msg))` when the
 * gateway cannot answer (Auth0 shows a generic error and logs it).
 */
export const AUTH0_LOGIN_SCRIPT = `async function login(userNameOrEmail, password, callback) {
  // flagless gateway: verifies the password at the legacy provider and returns the profile.
  try {
    const res = await fetch(configuration.FLAGLESS_URL.replace(/\\/+$/, '') + '/v1/lazy/auth0/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + configuration.FLAGLESS_TOKEN },
      body: JSON.stringify({ username: userNameOrEmail, password: password }),
    });
    if (res.status === 200) return callback(null, await res.json());
    if (res.status === 403) {
      return callback(new WrongUsernameOrPasswordError(userNameOrEmail, 'Wrong email or password.'));
    }
    return callback(new Error('flagless gateway answered ' + res.status));
  } catch (e) {
    return callback(new Error('flagless gateway unreachable'));
  }
}
`;

export const AUTH0_GET_USER_SCRIPT = `async function getUser(userNameOrEmail, callback) {
  // flagless gateway: looks the user up at the legacy provider (no password).
  try {
    const res = await fetch(
      configuration.FLAGLESS_URL.replace(/\\/+$/, '') + '/v1/lazy/auth0/users/' + encodeURIComponent(userNameOrEmail),
      { headers: { authorization: 'Bearer ' + configuration.FLAGLESS_TOKEN } },
    );
    if (res.status === 200) return callback(null, await res.json());
    if (res.status === 404) return callback(null);
    return callback(new Error('flagless gateway answered ' + res.status));
  } catch (e) {
    return callback(new Error('flagless gateway unreachable'));
  }
}
`;

/** Both scripts with a short header, as `flagless serve --auth0-script PATH` writes them. */
export function auth0CustomDatabaseScripts(): string {
  return [
    '// Auth0 > Authentication > Database > (your connection) > Custom Database: enable "Use my own database"',
    '// and "Import Users to Auth0", add the settings FLAGLESS_URL (the gateway\'s public URL) and',
    '// FLAGLESS_TOKEN (the --token the gateway runs with), and paste each function into its script.',
    '',
    '// ---- Login ----',
    AUTH0_LOGIN_SCRIPT,
    '// ---- Get User ----',
    AUTH0_GET_USER_SCRIPT,
  ].join('\n');
}

/**
 * Auth0 custom-database scripts return a profile (Auth0 "Normalized User Profile"): user_id
 * (Auth0 stores it as `auth0|<user_id>`), email, email_verified, username, given_name,
 * family_name, name, picture, user_metadata and app_metadata.
 */
export function toAuth0CustomDatabaseProfile(user: CanonicalUser): Record<string, unknown> {
  const email = primaryEmail(user);
  const name = user.displayName ?? ([user.firstName, user.lastName].filter(Boolean).join(' ') || undefined);
  return {
    user_id: user.sourceId,
    ...(email ? { email: email.address, email_verified: email.verified } : {}),
    ...(user.username ? { username: user.username } : {}),
    ...(user.firstName ? { given_name: user.firstName } : {}),
    ...(user.lastName ? { family_name: user.lastName } : {}),
    ...(name ? { name } : {}),
    ...(user.imageUrl ? { picture: user.imageUrl } : {}),
    user_metadata: user.metadata.public,
    app_metadata: user.metadata.private,
  };
}
