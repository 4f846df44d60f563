// Secrets at rest: AES-256-GCM under a key kept in a file beside the database (0600, made on first start), with a
// fresh nonce per value, so a copied agent.sqlite alone reveals no pre-shared key, password or private key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { err, ok, type Result } from '@ipsec/schema';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed secret as stored: base64 of nonce, GCM tag and ciphertext. An object, so never mistaken for clear text. */
export interface Sealed {
  sealed: string;
}

export class SecretBox {
  private constructor(
    private readonly key: Buffer,
    /** Where the key lives, for messages: the key itself never appears in one. */
    readonly path: string,
  ) {}

  /** Read the key file at `path`, or create it (0600) if there is none and `mayCreate`. */
  static open(path: string, mayCreate: boolean): Result<{ box: SecretBox; created: boolean }> {
    let created = false;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      if (!mayCreate) return err(`${path} is missing: the secrets in the database beside it cannot be read without it`);
      text = randomBytes(KEY_BYTES).toString('base64');
      writeFileSync(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
      created = true;
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== KEY_BYTES) return err(`${path} is not a key file: expected ${KEY_BYTES} bytes in base64`);
    return ok({ box: new SecretBox(key, path), created });
  }

  seal(plain: string): Sealed {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return { sealed: Buffer.concat([nonce, cipher.getAuthTag(), body]).toString('base64') };
  }

  /** The clear text, or why not (sealed under another key, or damaged). */
  unseal(value: Sealed): Result<string> {
    const raw = Buffer.from(value.sealed, 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES) return err('a sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, NONCE_BYTES));
    decipher.setAuthTag(raw.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    try {
      const body = raw.subarray(NONCE_BYTES + TAG_BYTES);
      return ok(Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8'));
    } catch {
      return err(`a secret in the database does not open with ${this.path} (another key file, or damaged)`);
    }
  }
}

export function isSealed(value: unknown): value is Sealed {
  return typeof value === 'object' && value !== null && typeof (value as Sealed).sealed === 'string';
}
