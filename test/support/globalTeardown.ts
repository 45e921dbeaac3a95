import { adminQuery } from './scale';

/** After the run: the PostgreSQL template database goes (test databases are dropped by each test server). */
export default async function globalTeardown(): Promise<void> {
  const template = process.env.PASSERELLE_TEST_POSTGRES_TEMPLATE;
  if (template) await adminQuery(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
}
