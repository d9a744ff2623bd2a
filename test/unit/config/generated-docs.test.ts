import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigurationMarkdown, renderExampleYaml } from '../../../src/config/render-docs.js';
import { configSchema } from '../../../src/config/schema.js';
import { listSettings } from '../../../src/config/settings.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('configuration documentation', () => {
  it('when the schema changes, then docs/configuration.md is regenerated (npm run docs:config)', () => {
    expect(read('docs/configuration.md')).toBe(renderConfigurationMarkdown(configSchema));
  });

  it('when the schema changes, then config/rolegate.example.yaml is regenerated (npm run docs:config)', () => {
    expect(read('config/rolegate.example.yaml')).toBe(renderExampleYaml(configSchema));
  });

  it('every key has a description', () => {
    expect(
      listSettings(configSchema)
        .filter((s) => s.description.trim() === '')
        .map((s) => s.key),
    ).toEqual([]);
  });
});
