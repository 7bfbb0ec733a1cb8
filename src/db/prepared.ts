import type { ConfigDb } from './config-store';

/**
 * A drizzle query built once per database handle and then only executed with new values
 * (`sql.placeholder`): a delivery's hot reads skip rebuilding their SQL on every call, which
 * was a measurable share of the worker's CPU per delivery (README, Delivery benchmark).
 */
export function preparedPerDb<Q>(build: (db: ConfigDb) => Q): (db: ConfigDb) => Q {
  const built = new WeakMap<ConfigDb, Q>();
  return (db) => {
    let query = built.get(db);
    if (query === undefined) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}
