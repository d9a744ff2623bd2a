import { z } from 'zod';
import { base64Keys } from '../fields.js';

export const encryption = z
  .strictObject({
    keys: base64Keys()
      .optional()
      .meta({
        env: ['ROLEGATE_ENCRYPTION_KEYS'],
        secret: true,
        description:
          "Keys that encrypt data at rest (cached AWS credentials, rolegate's signing keys): comma-separated base64 of 32 random bytes each (`openssl rand -base64 32`). The first encrypts, all decrypt: to rotate, put a new key first and keep the old one until cached entries expired and signing keys were re-sealed. Required in production. In demo mode a key is generated once into <dataDir>/encryption.key.",
      }),
  })
  .prefault({});
