import type { IncomingMessage } from 'node:http';

/**
 * The body of Clerk's `POST /v1/users/{id}/verify_password` as the simulators read it: `{"password"}`,
 * a malformed body being 400 `malformed_request` and a missing password 422 `form_param_missing`.
 */
export async function readVerifyPasswordBody(req: IncomingMessage): Promise<{ password: string } | { status: 400 | 422; code: string; message: string }> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  let body: { password?: unknown };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { password?: unknown };
  } catch {
    return { status: 400, code: 'malformed_request', message: 'Malformed request' };
  }
  if (typeof body.password !== 'string' || body.password === '') return { status: 422, code: 'form_param_missing', message: 'password is missing' };
  return { password: body.password };
}
