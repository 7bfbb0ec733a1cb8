import { MongoClient, type Db } from 'mongodb';

/** The one owner of the MongoDB-protocol client (FerretDB locally, MongoDB/DocumentDB in production). */
export interface LogStore {
  client: MongoClient;
  db: Db;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openLogStore(url: string, database: string): Promise<LogStore> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000, appName: 'labwire' });
  await client.connect();
  const db = client.db(database);
  return {
    client,
    db,
    async ping() {
      await db.command({ ping: 1 });
      return true;
    },
    close: () => client.close(),
  };
}
