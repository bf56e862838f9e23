// RFC 4648 base32 and RFC 6238 TOTP for tests that sign in with an authenticator code (the model's own).
export { base32Decode, base32Encode, totp } from '../../src/model/totp.js';
