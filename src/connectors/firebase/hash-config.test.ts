import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatHashConfig, parseHashConfig } from './hash-config.js';

// The project parameters of Firebase's published scrypt test vector (github.com/firebase/scrypt).
const KEY = 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==';
const EXPECTED = { signerKey: KEY, saltSeparator: 'Bw==', rounds: 8, memCost: 14 };

describe('parseHashConfig', () => {
  it('reads the console text as shown (Authentication > Users > Password hash parameters)', () => {
    const text = `hash_config {\n  algorithm: SCRYPT,\n  base64_signer_key: ${KEY},\n  base64_salt_separator: Bw==,\n  rounds: 8,\n  mem_cost: 14,\n}\n`;
    assert.deepEqual(parseHashConfig(text), { ok: true, config: EXPECTED });
  });

  it('reads JSON in snake_case, camelCase, nested under hash_config, and auth:import flag names', () => {
    const forms = [
      { algorithm: 'SCRYPT', base64_signer_key: KEY, base64_salt_separator: 'Bw==', rounds: 8, mem_cost: 14 },
      { algorithm: 'SCRYPT', signerKey: KEY, saltSeparator: 'Bw==', rounds: '8', memCost: '14' },
      { hash_config: { algorithm: 'SCRYPT', base64_signer_key: KEY, base64_salt_separator: 'Bw==', rounds: 8, mem_cost: 14 } },
      { 'hash-algo': 'SCRYPT', 'hash-key': KEY, 'salt-separator': 'Bw==', rounds: 8, 'mem-cost': 14 },
    ];
    for (const f of forms) assert.deepEqual(parseHashConfig(JSON.stringify(f)), { ok: true, config: EXPECTED }, JSON.stringify(Object.keys(f)));
  });

  it('round-trips the JSON that generate writes', () => {
    assert.deepEqual(parseHashConfig(formatHashConfig(EXPECTED)), { ok: true, config: EXPECTED });
  });

  it('names what is missing, without echoing the key', () => {
    const r = parseHashConfig(`{"algorithm": "SCRYPT", "base64_signer_key": "${KEY}", "rounds": 8}`);
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.code === 'E_HASH_CONFIG_MISSING');
    assert.ok(!r.ok && /base64_salt_separator/.test(r.message) && /mem_cost/.test(r.message));
    assert.ok(!r.ok && !r.message.includes(KEY));
  });

  it('rejects another algorithm with E_HASH_UNSUPPORTED', () => {
    const r = parseHashConfig('{"algorithm": "HMAC_SHA256", "base64_signer_key": "a2V5", "base64_salt_separator": "", "rounds": 1, "mem_cost": 1}');
    assert.ok(!r.ok && r.code === 'E_HASH_UNSUPPORTED');
  });

  it('rejects a signer key that is not base64', () => {
    const r = parseHashConfig('{"base64_signer_key": "not base64!", "base64_salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}');
    assert.ok(!r.ok && r.code === 'E_HASH_CONFIG_MISSING');
  });
});
