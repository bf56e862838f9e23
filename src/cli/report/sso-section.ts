import { attentionOf, readSsoInventory } from '../../app/sso-inventory.js';
import { renderSsoHtmlSection } from './sso-html.js';
import { renderSsoInventoryText } from './sso-text.js';

/** The SSO part of an assess report (`assess --sso-inventory <file>`): HTML, text and the --json member. */
export interface SsoReportSection {
  html: string;
  text: string;
  json: unknown;
}

/** Reads the inventory (refused with exit 2 when it is not one) and renders its section. */
export async function ssoReportSection(path: string, now = new Date()): Promise<SsoReportSection> {
  const inventory = await readSsoInventory(path);
  const result = { inventory, warnings: [], attention: attentionOf(inventory.connections, now) };
  return { html: renderSsoHtmlSection(result), text: renderSsoInventoryText(result), json: { ...inventory, attention: result.attention } };
}
