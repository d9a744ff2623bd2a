import { CORE_SCHEMA, NOT_RESOLVED, defineScalarTag, load } from 'js-yaml';

/*
 * js-yaml reads a large access file ~12× faster than `yaml`'s document model,
 * which stays the reference (access-file.ts). For the two to give the same
 * document, plain scalars are resolved here exactly as `yaml`'s core schema
 * (YAML 1.2 core, https://yaml.org/spec/1.2.2/#1032-tag-resolution) resolves
 * them, with its own patterns and number parsing: js-yaml's own core tags
 * differ at the edges (`1e400` stays a string there, `yaml` reads Infinity).
 */
const nullTag = defineScalarTag('tag:yaml.org,2002:null', {
  implicit: true,
  resolve: (source) => (/^(?:~|[Nn]ull|NULL)?$/.test(source) ? null : NOT_RESOLVED),
  identify: (value) => value === null,
});

const boolTag = defineScalarTag('tag:yaml.org,2002:bool', {
  implicit: true,
  resolve: (source) => (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(source) ? source[0] === 't' || source[0] === 'T' : NOT_RESOLVED),
  identify: (value) => typeof value === 'boolean',
});

const intTag = defineScalarTag('tag:yaml.org,2002:int', {
  implicit: true,
  resolve: (source) => {
    if (/^0o[0-7]+$/.test(source)) return parseInt(source.substring(2), 8);
    if (/^[-+]?[0-9]+$/.test(source)) return parseInt(source, 10);
    if (/^0x[0-9a-fA-F]+$/.test(source)) return parseInt(source.substring(2), 16);
    return NOT_RESOLVED;
  },
  identify: (value) => Number.isInteger(value),
});

const floatTag = defineScalarTag('tag:yaml.org,2002:float', {
  implicit: true,
  resolve: (source) => {
    if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(source)) {
      if (source.slice(-3).toLowerCase() === 'nan') return NaN;
      return source.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
    if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(source)) return parseFloat(source);
    if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(source)) return parseFloat(source);
    return NOT_RESOLVED;
  },
  identify: (value) => typeof value === 'number',
});

const schema = CORE_SCHEMA.withTags(nullTag, boolTag, intTag, floatTag);

/**
 * The document as js-yaml reads it, or undefined wherever `yaml` alone should
 * decide: syntax errors (it says where), explicit tags (libraries resolve them
 * differently), aliases (it bounds their expansion), several documents, an
 * empty file, and a null mapping key (`yaml` names it "", js-yaml "null").
 */
export function readYamlQuickly(text: string): unknown {
  if (text.includes('!')) return undefined;
  let data: unknown;
  try {
    data = load(text, { schema, maxAliases: 0 });
  } catch {
    return undefined;
  }
  if (data === null || data === undefined || hasKeyNamedNull(data)) return undefined;
  return data;
}

function hasKeyNamedNull(value: unknown): boolean {
  const pending: unknown[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next !== 'object' || next === null) continue;
    if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
      continue;
    }
    for (const key of Object.keys(next)) {
      if (key === 'null') return true;
      pending.push((next as Record<string, unknown>)[key]);
    }
  }
  return false;
}
