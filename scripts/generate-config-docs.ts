// npm run docs:config — regenerates docs/configuration.md and config/rolegate.example.yaml.
import { writeFileSync } from 'node:fs';
import { renderConfigurationMarkdown, renderExampleYaml } from '../src/config/render-docs.js';
import { configSchema } from '../src/config/schema.js';

writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationMarkdown(configSchema));
writeFileSync(new URL('../config/rolegate.example.yaml', import.meta.url), renderExampleYaml(configSchema));
process.stdout.write('wrote docs/configuration.md and config/rolegate.example.yaml\n');
