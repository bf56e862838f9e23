import type { TargetCapabilities } from '../protocol/capabilities.js';

/**
 * The notice users with an SMS second factor get before the cutover (the field guides: "send
 * email BEFORE migration", subject "Action Required: Update Two-Factor Authentication"): what
 * changes (SMS codes stop), when (the cutover date), and what to set up instead, by what the
 * target offers (an authenticator app where it stores TOTP; email sign-in links otherwise). Plain
 * text and HTML with the same words; `{{first_name}}` is left for the team's mailer to fill.
 */
export interface SmsNotice {
  subject: string;
  text: string;
  html: string;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function smsReenrolNotice(caps: TargetCapabilities, opts: { cutover?: string; product?: string }): SmsNotice {
  const when = opts.cutover ?? '[DATE]';
  const product = opts.product ?? 'our service';
  const options = [
    caps.totpSecrets ? 'an authenticator app (Google Authenticator, Authy, 1Password, or similar)' : undefined,
    'a sign-in link sent to your email address',
  ].filter((x): x is string => x !== undefined);
  const subject = 'Action Required: Update Two-Factor Authentication';
  const paragraphs = [
    'Hello {{first_name}},',
    `We are upgrading the sign-in system of ${product}. You currently receive your two-factor codes by SMS. From ${when}, SMS codes will no longer be sent.`,
    `Before ${when}, please sign in and set up another method under your account's security settings:`,
  ];
  const after = [
    `If you do not set one up by ${when}, you will be asked to do so at your next sign-in; your account, password and data do not change.`,
    'If you did not expect this message, you can ignore it, or contact our support team.',
  ];
  const text = [...paragraphs.slice(0, 3).map((p) => `${p}\n`), ...options.map((o) => `  - ${o}`), '', ...after.map((p) => `${p}\n`)].join('\n');
  const html = [
    '<!doctype html>',
    `<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    `<ul>${options.map((o) => `<li>${escapeHtml(o)}</li>`).join('')}</ul>`,
    ...after.map((p) => `<p>${escapeHtml(p)}</p>`),
    '</body></html>',
    '',
  ].join('\n');
  return { subject, text: `Subject: ${subject}\n\n${text}`, html };
}
