import { CliError, ExitCode, type ExitCodeValue } from '../errors.js';
import { formatProblem } from '../../features/admin/access-file.js';
import type { Output } from '../output.js';
import { parseTestsYaml, runTests } from './access-tests.js';
import { readAccessFile, readText } from './read-access-file.js';

/**
 * `rolegate test access.yaml access-tests.yaml`: every case and rule, decided
 * offline by the broker's own entitlement code. Exit 0 when all pass, 14
 * (testsFailed) when any fails, 15 (invalidFile) for an invalid file.
 */
export function runAccessTests(
  options: { accessFile: string; testsFile: string; format: 'text' | 'json' | 'markdown' },
  out: Output,
): ExitCodeValue {
  const { document, text } = readAccessFile(options.accessFile);
  const parsed = parseTestsYaml(readText(options.testsFile), document);
  if (!parsed.ok) throw new CliError(ExitCode.invalidFile, parsed.problems.map((p) => formatProblem(p, options.testsFile)).join('; '));
  const results = runTests(document, parsed.tests, text, options.accessFile);
  const failed = results.filter((r) => !r.ok).length;
  if (options.format === 'json') out.stdout(`${JSON.stringify({ passed: results.length - failed, failed, results }, null, 2)}\n`);
  else if (options.format === 'markdown')
    out.stdout(
      `### Access tests: ${String(results.length - failed)} passed, ${String(failed)} failed\n\n${results
        .map((r) => `- ${r.ok ? '✅' : '❌'} \`${r.name}\`${r.failure ? ` — ${r.failure}` : ''}`)
        .join('\n')}\n`,
    );
  else {
    for (const r of results) out.stdout(`${r.ok ? 'ok  ' : 'FAIL'} ${r.at} ${r.name}${r.failure ? `\n     ${r.failure}` : ''}\n`);
    out.stdout(`${String(results.length - failed)} passed, ${String(failed)} failed\n`);
  }
  return failed > 0 ? ExitCode.testsFailed : ExitCode.ok;
}
