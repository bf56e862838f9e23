import type { Prng } from './prng.js';

// Realistic enough names for generated exports: accents, apostrophes, hyphens and a comma in a
// display name are there on purpose, because real exports have them and parsers trip on them.
const FIRST = ['Ada', 'Alan', 'Grace', 'Linus', 'Margaret', 'Édouard', 'Zoë', "D'Arcy", 'Jean-Luc', 'Søren', 'Aiyana', 'Chen', 'Fatima', 'Oluwaseun', 'Priya', 'Mateo', 'Yuki', 'Noor', 'Björn', 'Amélie'];
const LAST = ['Lovelace', 'Turing', 'Hopper', 'Torvalds', 'Hamilton', "O'Brien", 'García Márquez', 'Nguyen', 'Müller', 'Smith, Jr.', 'Kowalski', 'Okafor', 'Patel', 'Rossi', 'Tanaka', 'Haddad', 'Andersson', 'Dubois', 'Silva', 'Kim'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.com', 'corp.example'];
const ORG_WORDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne'];

export interface FakePerson {
  firstName: string;
  lastName: string;
  /** Unique per index: `first.last.<index>@domain`, ASCII-folded. */
  email: string;
  username: string;
}

function ascii(s: string): string {
  return s.normalize('NFD').replace(/[^A-Za-z0-9]/g, '').toLowerCase();
}

/** A person whose email and username are unique for each index (the index is part of them). */
export function fakePerson(rng: Prng, index: number): FakePerson {
  const firstName = rng.pick(FIRST);
  const lastName = rng.pick(LAST);
  const local = `${ascii(firstName)}.${ascii(lastName)}.${index}`;
  return { firstName, lastName, email: `${local}@${rng.pick(DOMAINS)}`, username: `${ascii(firstName)}_${index}` };
}

export function fakeOrganizationName(rng: Prng, index: number): string {
  return `${rng.pick(ORG_WORDS)} ${index}`;
}

/** A fake E.164 phone number (in the +1 555 range reserved for fiction). */
export function fakePhone(rng: Prng): string {
  return `+1555${String(rng.int(0, 10_000_000)).padStart(7, '0')}`;
}

/** A base32 TOTP secret (RFC 4648 alphabet, 32 characters = 160 bits). */
export function fakeTotpSecret(rng: Prng): string {
  return rng.id(32, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
}

/** A plaintext password that satisfies common policies (upper, lower, digit, symbol, 14 chars). */
export function fakePassword(rng: Prng): string {
  return `Pw-${rng.id(6, 'abcdefghijkmnpqrstuvwxyz')}${rng.id(3, 'ABCDEFGHJKLMNPQRSTUVWXYZ')}${rng.int(10, 99)}!`;
}

export function fakeIsoDate(rng: Prng, fromYear = 2019, toYear = 2025): string {
  const start = Date.UTC(fromYear, 0, 1);
  const end = Date.UTC(toYear, 11, 31);
  return new Date(start + Math.floor(rng.next() * (end - start))).toISOString();
}
