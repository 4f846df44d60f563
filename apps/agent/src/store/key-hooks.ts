// IPsec > Keys: an added key without PEM gets a freshly generated RSA key of key-size bits;
// an imported PEM is checked and its real size recorded. The PEM never leaves the agent
// except through an explicit, audited export of the public half.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ConfigError, RSA_KEY_SIZES, type KeyValues } from '@ipsec/schema';

function loadKey(pem: string): { key: KeyObject; isPrivate: boolean } {
  try {
    return { key: createPrivateKey(pem), isPrivate: true };
  } catch {
    try {
      return { key: createPublicKey(pem), isPrivate: false };
    } catch {
      throw new ConfigError([
        { menu: 'key', field: 'private-key-pem', message: 'is not a PEM RSA private or public key' },
      ]);
    }
  }
}

/** The Keys menu's store hook (MenuHooks): generate the key, or check the imported one and record its size. */
export function prepareKey(values: KeyValues, before: KeyValues | null): KeyValues {
  const pem = values['private-key-pem'];
  if (pem === '') {
    const bits = Number(values['key-size']);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    return { ...values, 'private-key-pem': privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
  }
  if (before && before['private-key-pem'] === pem) return values;
  const { key } = loadKey(pem);
  if (key.asymmetricKeyType !== 'rsa')
    throw new ConfigError([
      {
        menu: 'key',
        field: 'private-key-pem',
        message: `is a ${key.asymmetricKeyType} key; only RSA keys are supported`,
      },
    ]);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  const size = RSA_KEY_SIZES.find((s) => Number(s) === bits);
  if (!size)
    throw new ConfigError([
      { menu: 'key', field: 'private-key-pem', message: `is ${bits} bits; key-size must be 1024, 2048 or 4096` },
    ]);
  return { ...values, 'key-size': size };
}

export function publicKeyPem(privateOrPublicPem: string): string {
  return createPublicKey(loadKey(privateOrPublicPem).key).export({ type: 'spki', format: 'pem' }) as string;
}
