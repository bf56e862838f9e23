import { HashError, firebaseScryptInput, fromFirebaseScrypt, type PasswordHash } from '../../model/password/index.js';

/**
 * WorkOS's wire format for Firebase's modified scrypt (`password_hash_type: 'firebase-scrypt'`):
 * `$firebase-scrypt$hash=<b64>$salt=<b64>$sk=<b64>$ss=<b64>$r=<rounds>$m=<memCost>`, padded standard
 * base64, exactly as the official importer sends it (workos/workos-migrations
 * src/transformers/firebase/scrypt.ts). It is WorkOS's layout, so it lives here: the model knows the
 * algorithm and its canonical form, the connector writes this string, and its simulator reads it.
 */
const LABEL = 'firebase-scrypt';
const FIELDS = ['hash', 'salt', 'sk', 'ss', 'r', 'm'] as const;

function malformed(message: string): HashError {
  return new HashError('E_HASH_MALFORMED', message);
}

export function parseWorkosFirebaseScrypt(text: string): PasswordHash {
  const parts = text.split('$');
  if (parts[0] !== '' || parts[1] !== LABEL || parts.length !== 2 + FIELDS.length) {
    throw malformed(`${LABEL} (WorkOS form) does not have the six fields hash, salt, sk, ss, r, m`);
  }
  const values = new Map<string, string>();
  FIELDS.forEach((name, i) => {
    const field = parts[i + 2] ?? '';
    if (!field.startsWith(`${name}=`)) throw malformed(`${LABEL} (WorkOS form) field ${i + 1} is not '${name}='`);
    values.set(name, field.slice(name.length + 1));
  });
  return fromFirebaseScrypt({
    hash: values.get('hash') ?? '',
    salt: values.get('salt') ?? '',
    signerKey: values.get('sk') ?? '',
    saltSeparator: values.get('ss') ?? '',
    rounds: values.get('r') ?? '',
    memCost: values.get('m') ?? '',
  });
}

export function toWorkosFirebaseScrypt(h: PasswordHash): string {
  if (h.algorithm !== LABEL) throw malformed(`toWorkosFirebaseScrypt needs a firebase-scrypt hash, not ${h.algorithm}`);
  const i = firebaseScryptInput(h);
  return `$${LABEL}$hash=${i.hash}$salt=${i.salt}$sk=${i.signerKey}$ss=${i.saltSeparator}$r=${i.rounds}$m=${i.memCost}`;
}
