/**
 * `flagless generate cognito`: what `aws cognito-idp list-users --user-pool-id ID` (AWS CLI v2)
 * prints for a whole pool: one `{"Users": [...]}` document, 4-space indented, timestamps as
 * `2021-06-05T23:28:29.457000+00:00`. Next to it, `<base>.api-dump.json` with the pool's groups
 * and memberships. The pool signs in with email as the username (Username = sub, a UUID), the
 * most common set-up; federated users are `Google_<id>` / `AcmeSSO_<id>` with an `identities`
 * attribute.
 *
 * Cognito exports no password hashes, so there are no plaintexts to write: with `plaintexts` the
 * file gets its header only (nothing can be verified by password until users move just-in-time).
 * Traps (unless clean): two users whose email differs only in case, and a membership naming a
 * user that is not in the export.
 */
import { fakeIsoDate, fakePerson, fakePhone } from '../../lib/fake/people.js';
import { Prng } from '../../lib/fake/prng.js';
import type { GenerateOptions, GenerateResult } from '../../protocol/generate.js';
import { sidePath } from '../../lib/io/side-path.js';
import { TextFileWriter } from '../../lib/io/text-writer.js';

const GROUPS = [
  { GroupName: 'admin', Description: 'Administrators', Precedence: 1 },
  { GroupName: 'editors', Description: 'Can edit content', Precedence: 10 },
  { GroupName: 'viewers', Description: 'Read-only access', Precedence: 20 },
  { GroupName: 'tenant-acme', Description: 'Acme Corp users', Precedence: 100 },
  { GroupName: 'tenant-globex', Description: 'Globex users', Precedence: 100 },
];

function uuid(rng: Prng): string {
  const h = rng.hex(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[rng.int(0, 4)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** AWS CLI v2's timestamp form: microseconds and an explicit +00:00. */
function cliDate(iso: string): string {
  return iso.replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

type Attr = { Name: string; Value: string };

interface CliUser {
  Username: string;
  Attributes: Attr[];
  UserCreateDate: string;
  UserLastModifiedDate: string;
  Enabled: boolean;
  UserStatus: string;
  MFAOptions?: { DeliveryMedium: string; AttributeName: string }[];
}

const q = JSON.stringify;

/**
 * One user exactly as `JSON.stringify({Users: [user]}, null, 4)` lays it out inside the list
 * (which is how the CLI prints it); written by hand because this runs a million times and is
 * twice as fast as stringify with indentation. A test checks the two agree on a whole file.
 */
function cliItem(u: CliUser): string {
  let s = `        {\n            "Username": ${q(u.Username)},\n            "Attributes": [`;
  for (let i = 0; i < u.Attributes.length; i++) {
    const a = u.Attributes[i]!;
    s += `${i === 0 ? '' : ','}\n                {\n                    "Name": ${q(a.Name)},\n                    "Value": ${q(a.Value)}\n                }`;
  }
  s += `\n            ],\n            "UserCreateDate": ${q(u.UserCreateDate)},\n            "UserLastModifiedDate": ${q(u.UserLastModifiedDate)},\n            "Enabled": ${u.Enabled},\n            "UserStatus": ${q(u.UserStatus)}`;
  if (u.MFAOptions) {
    s += ',\n            "MFAOptions": [';
    u.MFAOptions.forEach((m, i) => {
      s += `${i === 0 ? '' : ','}\n                {\n                    "DeliveryMedium": ${q(m.DeliveryMedium)},\n                    "AttributeName": ${q(m.AttributeName)}\n                }`;
    });
    s += '\n            ]';
  }
  return `${s}\n        }`;
}

export async function generateCognito(options: GenerateOptions): Promise<GenerateResult> {
  const rng = new Prng(options.seed);
  const n = options.users;
  const traps: Record<string, number> = {};
  const duplicateAt = !options.clean && n >= 4 ? Math.floor(n / 2) + 1 : -1;
  let firstEmail: string | undefined;
  const memberships: { GroupName: string; Username: string }[] = [];

  const out = new TextFileWriter(options.out);
  await out.write(n === 0 ? '{\n    "Users": []\n}\n' : '{\n    "Users": [\n');
  for (let i = 0; i < n; i++) {
    const person = fakePerson(rng, i);
    const sub = uuid(rng);
    const created = fakeIsoDate(rng, 2019, 2024);
    const modified = new Date(Math.min(Date.parse(created) + rng.int(0, 500) * 86_400_000, Date.parse('2025-06-30T00:00:00Z'))).toISOString();
    const roll = rng.next();
    const status =
      i === 0 || i === duplicateAt ? 'CONFIRMED' : roll < 0.8 ? 'CONFIRMED' : roll < 0.84 ? 'UNCONFIRMED' : roll < 0.88 ? 'FORCE_CHANGE_PASSWORD' : roll < 0.9 ? 'RESET_REQUIRED' : roll < 0.98 ? 'EXTERNAL_PROVIDER' : 'PHONE_ONLY';
    let username = sub;
    const attrs: Attr[] = [{ Name: 'sub', Value: sub }];
    let mfa = false;

    if (status === 'PHONE_ONLY') {
      // A pool that also lets users sign up with a phone number.
      attrs.push({ Name: 'phone_number_verified', Value: 'true' }, { Name: 'phone_number', Value: fakePhone(rng) });
      traps.phoneOnly = (traps.phoneOnly ?? 0) + 1;
    } else {
      let email = person.email;
      if (i === duplicateAt && firstEmail) {
        const [local, domain] = firstEmail.split('@') as [string, string];
        email = `${local.toUpperCase()}@${domain}`;
        traps.duplicateEmailGroups = 1;
      }
      firstEmail ??= email;
      if (status === 'EXTERNAL_PROVIDER') {
        const saml = rng.chance(0.25);
        const userId = saml ? person.email : String(rng.int(1e8, 1e9)) + String(rng.int(1e8, 1e9)) + String(rng.int(100, 999));
        const providerName = saml ? 'AcmeSSO' : 'Google';
        username = `${providerName}_${userId}`;
        const identity = { userId, providerName, providerType: saml ? 'SAML' : 'Google', issuer: saml ? 'http://www.okta.com/exk1acme' : null, primary: true, dateCreated: Date.parse(created) };
        attrs.push({ Name: 'identities', Value: JSON.stringify([identity]) });
        traps.federated = (traps.federated ?? 0) + 1;
      }
      attrs.push({ Name: 'email_verified', Value: status === 'UNCONFIRMED' ? 'false' : 'true' });
      if (rng.chance(0.7)) attrs.push({ Name: 'given_name', Value: person.firstName }, { Name: 'family_name', Value: person.lastName });
      if (rng.chance(0.15)) {
        attrs.push({ Name: 'phone_number_verified', Value: 'true' }, { Name: 'phone_number', Value: fakePhone(rng) });
        mfa = status !== 'EXTERNAL_PROVIDER' && rng.chance(0.3);
      }
      attrs.push({ Name: 'email', Value: email });
    }
    if (rng.chance(0.3)) attrs.push({ Name: 'custom:tenant_id', Value: rng.pick(['acme', 'globex', 'initech']) });
    if (rng.chance(0.1)) attrs.push({ Name: 'custom:plan', Value: rng.pick(['free', 'pro', 'team']) });

    const enabled = !rng.chance(0.02);
    if (!enabled) traps.disabled = (traps.disabled ?? 0) + 1;
    const user: CliUser = {
      Username: username,
      Attributes: attrs,
      UserCreateDate: cliDate(created),
      UserLastModifiedDate: cliDate(modified),
      Enabled: enabled,
      UserStatus: status === 'PHONE_ONLY' ? 'CONFIRMED' : status,
    };
    if (mfa) {
      user.MFAOptions = [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }];
      traps.mfaSms = (traps.mfaSms ?? 0) + 1;
    }
    if (rng.chance(0.3)) {
      memberships.push({ GroupName: rng.pick(GROUPS).GroupName, Username: username });
      if (rng.chance(0.1)) memberships.push({ GroupName: 'admin', Username: username });
    }
    await out.write(i === 0 ? cliItem(user) : `,\n${cliItem(user)}`);
    if (options.onProgress && (i + 1) % 10_000 === 0) options.onProgress(i + 1);
  }
  if (n > 0) await out.write('\n    ]\n}\n');
  await out.close();
  options.onProgress?.(n);

  if (!options.clean && n > 0) {
    memberships.push({ GroupName: 'editors', Username: uuid(rng) });
    traps.membershipOrphans = 1;
  }
  const dumpPath = sidePath(options.out, 'api-dump.json');
  const dump = new TextFileWriter(dumpPath);
  await dump.write(`{"groups": ${JSON.stringify(GROUPS)},\n"memberships": [`);
  for (let k = 0; k < memberships.length; k++) await dump.write(`${k === 0 ? '\n' : ',\n'}${JSON.stringify(memberships[k])}`);
  await dump.write('\n]}\n');
  await dump.close();

  const files: GenerateResult['files'] = [
    { role: 'export', path: options.out },
    { role: 'api-dump', path: dumpPath },
  ];
  if (options.plaintexts) {
    const plain = new TextFileWriter(options.plaintexts);
    await plain.write('identifier,password\n');
    await plain.close();
    files.push({ role: 'plaintexts', path: options.plaintexts });
  }
  return { files, users: n, organizations: GROUPS.length, traps };
}
