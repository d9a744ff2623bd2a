/** Where the test suite finds its real peers. CI (.ci/run) starts both on these defaults. */
export const testPostgresUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Overridable so that several checkouts sharing one PostgreSQL do not drop each other's template mid-run.
export const TEMPLATE_DATABASE = process.env.TEST_TEMPLATE_DATABASE ?? 'rolegate_test_template';
