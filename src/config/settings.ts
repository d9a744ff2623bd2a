import { z } from 'zod';

/** One leaf key of the configuration, as documented and as read from the environment. */
export interface Setting {
  /** Dotted key, e.g. `server.port`. */
  key: string;
  path: string[];
  env: readonly string[];
  description: string;
  secret: boolean;
  defaultValue: unknown;
}

/** Lists every leaf setting of a configuration schema, depth first, in declaration order. */
export function listSettings(schema: z.ZodType, path: string[] = []): Setting[] {
  const meta = schema.meta();
  const { inner, defaultValue } = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([name, child]) => listSettings(child, [...path, name]));
  }
  return [
    {
      key: path.join('.'),
      path,
      env: meta?.env ?? [],
      description: meta?.description ?? '',
      secret: meta?.secret ?? false,
      defaultValue,
    },
  ];
}

function unwrap(schema: z.ZodType): { inner: z.ZodType; defaultValue: unknown } {
  let current: z.ZodType = schema;
  let defaultValue: unknown;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      defaultValue ??= (current.def as { defaultValue: unknown }).defaultValue;
      current = current.def.innerType as z.ZodType;
    } else if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      current = current.def.innerType as z.ZodType;
    } else {
      return { inner: current, defaultValue };
    }
  }
}
