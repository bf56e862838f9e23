import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { certificateState, describeCertificate, describeCertificates } from '../../src/lib/sso/certificate.js';
import { DAY, makeCertificate, type TestCertificate } from '../helpers/certificates.js';

describe('SSO certificates: fingerprint and expiry through node:crypto', () => {
  let cert: TestCertificate;
  let expired: TestCertificate;
  const now = new Date();
  before(() => {
    cert = makeCertificate('idp.example.com', new Date(now.getTime() - DAY), new Date(now.getTime() + 400 * DAY));
    expired = makeCertificate('old.example.com', new Date(now.getTime() - 400 * DAY), new Date(now.getTime() - DAY));
  });

  it('reads PEM, bare base64 DER and base64 of the PEM (Auth0 signingCert) to the fingerprint openssl prints', () => {
    const forms = [cert.pem, cert.der64, Buffer.from(cert.pem).toString('base64'), cert.der64.replace(/(.{64})/g, '$1\n')];
    for (const f of forms) {
      const d = describeCertificate(f)!;
      assert.equal(d.fingerprintSha256, cert.fingerprint);
      assert.equal(d.notAfter, cert.notAfter.toISOString());
      assert.match(d.pem!, /^-----BEGIN CERTIFICATE-----\n/);
    }
    assert.equal(describeCertificates([cert.pem, cert.der64, expired.pem]).length, 2, 'the same certificate twice counts once');
  });

  it('says expired, expiring (within 30 days) or ok', () => {
    const soon = makeCertificate('soon.example.com', new Date(now.getTime() - DAY), new Date(now.getTime() + 10 * DAY));
    assert.equal(certificateState(describeCertificate(expired.pem)!, now), 'expired');
    assert.equal(certificateState(describeCertificate(soon.pem)!, now), 'expiring');
    assert.equal(certificateState(describeCertificate(cert.pem)!, now), 'ok');
    assert.equal(certificateState(describeCertificate(soon.pem)!, now, 5), 'ok');
  });

  it('keeps a fingerprint for bytes that are not a certificate, without an expiry; nothing for non-base64', () => {
    const d = describeCertificate(Buffer.from('not a certificate at all').toString('base64'))!;
    assert.match(d.fingerprintSha256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.equal(d.notAfter, undefined);
    assert.equal(certificateState(d, now), 'unknown');
    assert.equal(describeCertificate('%%% nope %%%'), undefined);
    assert.equal(describeCertificate(''), undefined);
  });
});
