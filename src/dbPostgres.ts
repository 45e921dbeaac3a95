import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';

/** `name` (OID 19) and `"char"` (OID 18): catalog types Prisma 6.19's pg adapter cannot read. */
const CATALOG_TEXT_TYPES = new Set([18, 19]);
const TEXT_OID = 25;

type Callback = (err: Error | null, result?: pg.QueryResult) => void;

/** Reports the catalog's `name` and `"char"` columns as text (prisma/orm#27403: `migrate deploy` cannot read them otherwise). */
function asText(result: pg.QueryResult | pg.QueryResult[] | undefined): void {
  for (const r of Array.isArray(result) ? result : result ? [result] : []) {
    for (const field of r.fields ?? []) if (CATALOG_TEXT_TYPES.has(field.dataTypeID)) field.dataTypeID = TEXT_OID;
  }
}

/**
 * A pg client whose results report `name` and `"char"` columns as text. The schema engine
 * reads the catalog (information_schema, pg_catalog) through the driver adapter when it
 * migrates; the application's own tables use neither type.
 */
export class CatalogTextClient extends pg.Client {
  // pg's query has many overloads (promise, callback, submittable); each is passed through.
  query(...args: unknown[]): never {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const callback = last as Callback;
      args[args.length - 1] = (err: Error | null, result?: pg.QueryResult) => {
        if (!err) asText(result);
        callback(err, result);
      };
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const returned = (super.query as (...a: unknown[]) => unknown)(...args);
    if (returned && typeof (returned as Promise<unknown>).then === 'function') {
      return (returned as Promise<pg.QueryResult>).then((result) => {
        asText(result);
        return result;
      }) as never;
    }
    return returned as never;
  }
}

/** The connection options of a postgresql:// URL, with the catalog workaround. */
export function postgresPoolConfig(url: string): pg.PoolConfig {
  return { connectionString: url, Client: CatalogTextClient, max: 10 };
}

/** The Prisma driver adapter factory for a postgresql:// URL (the application and `migrate deploy` both use it). */
export function postgresAdapterFactory(url: string): PrismaPg {
  return new PrismaPg(postgresPoolConfig(url));
}
