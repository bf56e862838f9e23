/**
 * A strict local stand-in for the Cognito user-pool operations `flagless sso inventory` calls,
 * which cognito-local does not serve: DescribeUserPool, ListIdentityProviders and
 * DescribeIdentityProvider, over the AWS JSON 1.1 protocol (POST /, `X-Amz-Target:
 * AWSCognitoIdentityProviderService.<Operation>`), checked with the real
 * @aws-sdk/client-cognito-identity-provider.
 *
 * - Every request must carry a valid SigV4 signature (recomputed with @smithy/signature-v4 from the
 *   headers the client signed) for the configured access key; otherwise 400
 *   UnrecognizedClientException (unknown key) or InvalidSignatureException (wrong secret).
 * - ListIdentityProviders: MaxResults 1-60 (else InvalidParameterException), opaque NextToken.
 * - Unknown pool or provider: ResourceNotFoundException. Unknown operation: UnknownOperationException.
 * Errors are `{"__type": Name, "message": ...}` with `x-amzn-errortype`, as AWS answers.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';

export interface CognitoSimProvider {
  ProviderName: string;
  ProviderType: 'SAML' | 'OIDC' | 'Google' | 'Facebook' | 'LoginWithAmazon' | 'SignInWithApple';
  ProviderDetails: Record<string, string>;
  IdpIdentifiers?: string[];
  AttributeMapping?: Record<string, string>;
}

export interface CognitoSsoSimOptions {
  userPoolId: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  domain?: string;
  customDomain?: string;
  providers: CognitoSimProvider[];
}

export interface CognitoSsoSim {
  url: string;
  requests: { operation: string; status: number }[];
  close(): Promise<void>;
}

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** node:crypto as the signer's hash (the SDK's browser-neutral Sha256 is not a dependency). */
class NodeSha256 {
  private h;
  constructor(secret?: Uint8Array | string) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', secret);
  }
  update(data: Uint8Array | string): void {
    this.h.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
  reset(): void {}
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

async function verifySignature(req: IncomingMessage, body: string, opts: CognitoSsoSimOptions, port: number): Promise<void> {
  const auth = String(req.headers.authorization ?? '');
  const m = AUTH.exec(auth);
  if (!m) throw new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const [, keyId, , region, service, signed, signature] = m;
  if (keyId !== opts.accessKeyId) throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const dm = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!dm) throw new AwsError('IncompleteSignatureException', 'X-Amz-Date is missing or malformed.');
  const signingDate = new Date(Date.UTC(+dm[1]!, +dm[2]! - 1, +dm[3]!, +dm[4]!, +dm[5]!, +dm[6]!));
  if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) throw new AwsError('InvalidSignatureException', 'Signature expired.');
  const headers: Record<string, string> = {};
  for (const name of signed!.split(';')) headers[name] = String(req.headers[name] ?? '');
  const signer = new SignatureV4({ credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }, region: region!, service: service!, sha256: NodeSha256 as never, uriEscapePath: true });
  const host = String(req.headers.host ?? `127.0.0.1:${port}`);
  const signedReq = await signer.sign(
    { method: req.method ?? 'POST', protocol: 'http:', hostname: host.split(':')[0]!, port, path: (req.url ?? '/').split('?')[0]!, query: {}, headers, body },
    { signingDate, signableHeaders: new Set(Object.keys(headers)) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signedReq.headers.authorization ?? signedReq.headers.Authorization ?? ''))?.[1];
  if (expected !== signature) throw new AwsError('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
}

function stringField(input: Record<string, unknown>, name: string, required = true): string | undefined {
  const v = input[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v === '') throw new AwsError('InvalidParameterException', `1 validation error detected: Value at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  return v;
}

export async function startCognitoSsoSimulator(opts: CognitoSsoSimOptions): Promise<CognitoSsoSim> {
  const requests: CognitoSsoSim['requests'] = [];
  let port = 0;
  const pool = (input: Record<string, unknown>) => {
    const id = stringField(input, 'UserPoolId')!;
    if (id !== opts.userPoolId) throw new AwsError('ResourceNotFoundException', `User pool ${id} does not exist.`);
  };
  const ops: Record<string, (input: Record<string, unknown>) => unknown> = {
    DescribeUserPool: (input) => {
      pool(input);
      return { UserPool: { Id: opts.userPoolId, Name: 'flagless', ...(opts.domain ? { Domain: opts.domain } : {}), ...(opts.customDomain ? { CustomDomain: opts.customDomain } : {}) } };
    },
    ListIdentityProviders: (input) => {
      pool(input);
      const max = input.MaxResults === undefined ? 60 : input.MaxResults;
      if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 60) throw new AwsError('InvalidParameterException', "1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 60");
      let start = 0;
      if (input.NextToken !== undefined) {
        const t = /^p:(\d+)$/.exec(Buffer.from(String(input.NextToken), 'base64url').toString());
        if (!t) throw new AwsError('InvalidParameterException', 'Invalid pagination token.');
        start = Number(t[1]);
      }
      const slice = opts.providers.slice(start, start + max);
      const next = start + max < opts.providers.length ? Buffer.from(`p:${start + max}`).toString('base64url') : undefined;
      return { Providers: slice.map((p) => ({ ProviderName: p.ProviderName, ProviderType: p.ProviderType, CreationDate: 1_700_000_000, LastModifiedDate: 1_700_000_000 })), ...(next ? { NextToken: next } : {}) };
    },
    DescribeIdentityProvider: (input) => {
      pool(input);
      const name = stringField(input, 'ProviderName')!;
      const p = opts.providers.find((x) => x.ProviderName === name);
      if (!p) throw new AwsError('ResourceNotFoundException', `Identity provider ${name} does not exist.`);
      return { IdentityProvider: { UserPoolId: opts.userPoolId, ProviderName: p.ProviderName, ProviderType: p.ProviderType, ProviderDetails: p.ProviderDetails, AttributeMapping: p.AttributeMapping ?? {}, IdpIdentifiers: p.IdpIdentifiers ?? [], CreationDate: 1_700_000_000, LastModifiedDate: 1_700_000_000 } };
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 1_000_000) chunks.push(c);
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.replace(/^AWSCognitoIdentityProviderService\./, '');
      const body = Buffer.concat(chunks).toString('utf8');
      void (async () => {
        try {
          if (size > 1_000_000) throw new AwsError('SerializationException', 'Request too large', 413);
          if (req.method !== 'POST' || !target.startsWith('AWSCognitoIdentityProviderService.')) throw new AwsError('UnknownOperationException', 'Unknown operation');
          if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) throw new AwsError('SerializationException', 'Content-Type must be application/x-amz-json-1.1');
          await verifySignature(req, body, opts, port);
          const handler = ops[operation];
          if (!handler) throw new AwsError('UnknownOperationException', `Operation ${operation} is not simulated`);
          let input: unknown;
          try {
            input = body ? JSON.parse(body) : {};
          } catch {
            throw new AwsError('SerializationException', 'Malformed JSON');
          }
          const out = handler((input ?? {}) as Record<string, unknown>);
          requests.push({ operation, status: 200 });
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'sim' }).end(JSON.stringify(out));
        } catch (e) {
          const err = e instanceof AwsError ? e : new AwsError('InternalErrorException', 'simulator failure', 500);
          requests.push({ operation, status: err.status });
          res.writeHead(err.status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': err.type, 'x-amzn-requestid': 'sim' }).end(JSON.stringify({ __type: err.type, message: err.message }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
