// Real X.509 certificates for SSO tests, made by the system's openssl with chosen validity dates
// (`openssl ca -selfsign` accepts -startdate/-enddate, so expired and expiring ones are real too).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  pem: string;
  /** Base64 DER, as in SAML metadata. */
  der64: string;
  keyPem: string;
  /** `openssl x509 -fingerprint -sha256`, colon-separated upper-case hex. */
  fingerprint: string;
  notAfter: Date;
}

const stamp = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

export function makeCertificate(cn: string, notBefore: Date, notAfter: Date): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-cert-'));
  try {
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), `${Math.floor(Math.random() * 0xfffffff + 0x10000000).toString(16).padStart(8, '0')}\n`);
    writeFileSync(
      join(dir, 'ca.cnf'),
      `[ ca ]\ndefault_ca = d\n[ d ]\ndir = ${dir}\ndatabase = ${dir}/index.txt\nnew_certs_dir = ${dir}\nserial = ${dir}/serial\ndefault_md = sha256\npolicy = p\nemail_in_dn = no\nunique_subject = no\n[ p ]\ncommonName = supplied\n`,
    );
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-subj', `/CN=${cn}`, '-out', 'req.csr']);
    run(['ca', '-batch', '-selfsign', '-config', 'ca.cnf', '-keyfile', 'key.pem', '-in', 'req.csr', '-out', 'cert.pem', '-notext', '-startdate', stamp(notBefore), '-enddate', stamp(notAfter)]);
    const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const fingerprint = run(['x509', '-in', 'cert.pem', '-noout', '-fingerprint', '-sha256']).trim().split('=')[1]!;
    const der64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    return { pem, der64, keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), fingerprint, notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const DAY = 86_400_000;

/** IdP metadata (SAML 2.0) for an entity with one signing certificate and a redirect SSO endpoint. */
export function idpMetadata(entityId: string, ssoUrl: string, cert: TestCertificate): string {
  return `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${cert.der64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}
