// Small helpers the profile writers share: stable UUIDs, quoting for each file format.
import { createHash } from 'node:crypto';
import { CONTROL_CHARACTER, ConfigError } from '@ipsec/schema';

/** A UUID derived from `parts`: a profile downloaded again replaces the one installed, instead of adding a second. */
export function stableUuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\0')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5 layout (name-based)
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`.toUpperCase();
}

// One escaper per file syntax: every value a profile interpolates goes through the one of its file. The schema
// already refuses control characters in names, but values also come from imported certificates (a subject DN) and
// secrets, so each escaper either writes any character so that it stays inside its string, or refuses the value.

/** The control characters of the schema's text rule (C0, DEL, C1, U+2028/2029), all of them. */
const CONTROL = new RegExp(CONTROL_CHARACTER.source, 'g');

/** A value the file's syntax has no way to write: the download is refused (400), naming the format, not the value. */
function unwritable(format: string, what: string): never {
  throw new ConfigError([{ menu: 'wizard', message: `a value holds ${what}, which a ${format} cannot hold` }]);
}

/**
 * PowerShell string expression: single-quoted (no $ or backtick expansion), with every quote PowerShell takes for a
 * single quote doubled (it also ends a string at U+2018, U+2019, U+201A and U+201B); control characters, which a
 * single-quoted string would keep as raw line breaks, are concatenated in as [char] codes: ('a'+[char]0x0A+'b').
 */
export function ps(s: string): string {
  const quoted = (t: string) => `'${t.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
  const parts: string[] = [];
  let at = 0;
  for (const m of s.matchAll(CONTROL)) {
    if (m.index > at) parts.push(quoted(s.slice(at, m.index)));
    parts.push(`[char]0x${m[0].charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    at = m.index + 1;
  }
  if (at < s.length || parts.length === 0) parts.push(quoted(s.slice(at)));
  return parts.length === 1 ? parts[0]! : `(${parts.join('+')})`;
}

const SWANCTL_ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * swanctl.conf (strongswan.conf syntax) double-quoted string: backslash, quote, LF, CR and TAB escaped as the
 * settings lexer reads them; other characters are kept as they are inside the quotes. NUL cannot be written (the
 * value is a C string).
 */
export function sw(s: string): string {
  if (s.includes('\0')) unwritable('swanctl.conf', 'a NUL character');
  return `"${s.replace(/[\\"\n\r\t]/g, (c) => SWANCTL_ESCAPES[c]!)}"`;
}

/**
 * RouterOS CLI double-quoted string: backslash, quote, $ (a variable) and ? (help) escaped, and every byte outside
 * printable ASCII written as \HH (the scripting manual's hex escape, capital letters), so no value can end the
 * string or the line.
 */
export function ros(s: string): string {
  let out = '';
  for (const c of s) {
    if (c === '\\' || c === '"' || c === '$' || c === '?') out += `\\${c}`;
    else if (c >= ' ' && c <= '~') out += c;
    else for (const b of Buffer.from(c, 'utf8')) out += `\\${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `"${out}"`;
}

/** Characters XML 1.0 cannot hold at all, not even as a character reference (and lone surrogates). */
const NOT_XML =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * XML text (a property list's <string> or <key>): markup characters as entities; CR, DEL, C1 and U+2028/2029 as
 * character references, which no parser folds into a line feed as it may fold the raw characters.
 */
export function xmlText(s: string): string {
  if (NOT_XML.test(s)) unwritable('.mobileconfig (XML 1.0)', 'a control character');
  return s.replace(
    /[&<>\r\u007f-\u009f\u2028\u2029]/g,
    (c) => XML_ENTITIES[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`,
  );
}

/** DER bytes of the first PEM block. */
export const pemToDer = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
