// Databases through the Node SDK (gRPC) and the REST API: CreateDatabase, ListDatabases,
// DescribeDatabase, AlterDatabase, DropDatabase. A database is a namespace: the same collection
// name in two databases is two collections, with their own rows, aliases and searches, whether
// the client names the database in its `dbname` header (MilvusClient's `database`, `use()`) or
// in a request's db_name. Milvus's refusals (65535, 800, 801, 802), everything after a restart,
// and RenameCollection within a database and into another.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HttpClient } from '@zilliz/milvus2-sdk-node';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, loadSync, countRows, rng,
  randomVectors,
} from './lib/milvus.mjs';

const DIM = 4;
const Unexpected = 65535;

describe('databases', { timeout: 300000 }, () => {
  const storage = tempDir('databases');
  const vectors = randomVectors(30, DIM, rng(5));
  const shop = uniqueName('shop');
  const docs = 'docs';
  let server;
  let client; // the default database
  let inShop; // MilvusClient({ database: shop })

  // `docs` with `rows` rows (ids from `first`) in whichever database `c` uses.
  const createDocs = async (c, first, rows) => {
    assertOk(await c.createCollection({
      collection_name: docs,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      ],
    }), 'create docs');
    assertOk(await c.createIndex({ collection_name: docs, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    const data = vectors.slice(0, rows).map((vec, i) => ({ id: first + i, vec }));
    assertOk(await c.insert({ collection_name: docs, data }), 'insert');
    await loadSync(c, docs);
  };

  before(async () => {
    server = await startServer({ storage, name: 'databases' });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client, inShop].filter(Boolean));
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('create, list and describe databases', async () => {
    assertOk(await client.createDatabase({ db_name: shop, properties: { 'database.max.collections': 10 } }), 'create');
    const list = assertOk(await client.listDatabases(), 'list');
    assert.deepEqual(list.db_names, ['default', shop]);
    assert.equal(list.db_ids.length, 2);
    assert.equal(String(list.db_ids[0]), '1');
    const created = BigInt(list.created_timestamp[1]);
    const now = BigInt(Date.now()) * 1000000n;
    assert.ok(created > now - 600n * 1000000000n && created <= now, `created_timestamp ${created} is Unix nanoseconds`);
    const desc = assertOk(await client.describeDatabase({ db_name: shop }), 'describe');
    assert.equal(desc.db_name, shop);
    assert.equal(String(desc.dbID), String(list.db_ids[1]));
    assert.deepEqual(desc.properties, [{ key: 'database.max.collections', value: '10' }]);
    assertMilvusError(await client.createDatabase({ db_name: shop }), { code: Unexpected, mentions: ['database already exist'] }, 'again');
    assertMilvusError(await client.createDatabase({ db_name: '1st' }), { code: 802, mentions: ['invalid database name'] }, 'bad name');
    assertMilvusError(await client.describeDatabase({ db_name: 'nowhere' }), { code: 800, mentions: ['database not found'] }, 'describe missing');
  });

  test('the same collection name in two databases is two collections', async () => {
    inShop = await connect(server.address, { database: shop });
    await createDocs(client, 0, 10);
    await createDocs(inShop, 100, 25);
    assert.equal(await countRows(client, docs), 10);
    assert.equal(await countRows(inShop, docs), 25);
    // A request's db_name names the database too.
    const viaField = assertOk(await client.query({ collection_name: docs, db_name: shop, filter: 'id >= 120', output_fields: ['id'] }), 'query');
    assert.deepEqual(viaField.data.map((r) => Number(r.id)).sort((a, b) => a - b), [120, 121, 122, 123, 124]);
    const hits = assertOk(await inShop.search({ collection_name: docs, data: [vectors[3]], limit: 1 }), 'search');
    assert.equal(Number(hits.results[0].id), 103);
    const names = (res) => assertOk(res, 'show').data.map((c) => c.name);
    assert.deepEqual(names(await inShop.showCollections()), [docs]);
    // Aliases belong to a database.
    assertOk(await inShop.createAlias({ collection_name: docs, alias: 'live' }), 'alias');
    assert.equal(await countRows(inShop, 'live'), 25);
    assert.equal((await client.hasCollection({ collection_name: 'live' })).value, false);
    const described = assertOk(await inShop.describeCollection({ collection_name: docs }), 'describe');
    assert.equal(described.db_name, shop);
    // use() switches the header of an existing client.
    await client.use({ db_name: shop });
    assert.equal(await countRows(client, docs), 25);
    await client.use({ db_name: 'default' });
    assert.equal(await countRows(client, docs), 10);
  });

  test('unknown databases and refused drops', async () => {
    assertMilvusError(await client.showCollections({ db_name: 'nowhere' }), { code: 800, mentions: ['database not found[database=nowhere]'] }, 'show');
    assert.equal((await client.hasCollection({ collection_name: docs, db_name: 'nowhere' })).value, false);
    assertMilvusError(await client.dropDatabase({ db_name: shop }), { code: Unexpected, mentions: ['not empty'] }, 'drop non-empty');
    assertMilvusError(await client.dropDatabase({ db_name: 'default' }), { code: Unexpected, mentions: ['can not drop default database'] }, 'drop default');
    assertOk(await client.dropDatabase({ db_name: 'never_created' }), 'drop missing');
  });

  test('alter properties, restart, then drop everything', async () => {
    assertOk(await client.alterDatabaseProperties({ db_name: shop, properties: { 'database.force.deny.writing': true } }), 'alter');
    assertOk(await client.dropDatabaseProperties({ db_name: shop, properties: ['database.max.collections'] }), 'drop properties');
    await closeAll([client, inShop]);
    await server.stop('SIGTERM');
    server = await startServer({ storage, name: 'databases-restart' });
    client = await connect(server.address);
    inShop = await connect(server.address, { database: shop });
    assert.deepEqual(assertOk(await client.listDatabases(), 'list').db_names, ['default', shop]);
    const desc = assertOk(await client.describeDatabase({ db_name: shop }), 'describe');
    assert.deepEqual(desc.properties, [{ key: 'database.force.deny.writing', value: 'true' }]);
    assert.equal(await countRows(inShop, 'live'), 25);
    assert.equal(await countRows(client, docs), 10);
    assertOk(await inShop.dropAlias({ alias: 'live' }), 'drop alias');
    assertOk(await inShop.dropCollection({ collection_name: docs }), 'drop collection');
    assertOk(await client.dropDatabase({ db_name: shop }), 'drop database');
    assert.deepEqual(assertOk(await client.listDatabases(), 'list').db_names, ['default']);
    assert.equal(await countRows(client, docs), 10, 'the default database keeps its docs');
  });

  test('rename within a database and into another', async () => {
    assertOk(await client.createCollection({
      collection_name: 'draft',
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      ],
    }), 'create draft');
    assertOk(await client.insert({ collection_name: 'draft', data: [{ id: 1, vec: vectors[0] }, { id: 2, vec: vectors[1] }] }), 'insert');
    await loadSync(client, 'draft');
    assertOk(await client.createAlias({ collection_name: 'draft', alias: 'current' }), 'alias');
    assertMilvusError(await client.renameCollection({ collection_name: 'current', new_collection_name: 'x' }),
      { code: 1100, mentions: ['alias'] }, 'rename an alias');
    assertMilvusError(await client.renameCollection({ collection_name: 'draft', new_collection_name: docs }),
      { code: 1100, mentions: ['duplicated new collection name'] }, 'onto an existing name');
    assertOk(await client.renameCollection({ collection_name: 'draft', new_collection_name: 'final' }), 'rename');
    assert.equal((await client.hasCollection({ collection_name: 'draft' })).value, false);
    assert.equal(await countRows(client, 'current'), 2, 'the alias follows the rename');
    const archive = uniqueName('archive');
    assertOk(await client.createDatabase({ db_name: archive }), 'create archive');
    assertMilvusError(await client.renameCollection({ collection_name: 'final', new_collection_name: 'final', new_db_name: archive }),
      { code: 1100, mentions: ['alias'] }, 'move with an alias');
    assertOk(await client.dropAlias({ alias: 'current' }), 'drop alias');
    assertOk(await client.renameCollection({ collection_name: 'final', new_collection_name: 'moved', new_db_name: archive }), 'move');
    assert.equal((await client.hasCollection({ collection_name: 'moved' })).value, false);
    const inArchive = await connect(server.address, { database: archive });
    try {
      assert.equal(await countRows(inArchive, 'moved'), 2, 'moved with its rows');
    } finally {
      await closeAll([inArchive]);
    }
  });

  test('REST databases/* and dbName', async () => {
    const rest = new HttpClient({ endpoint: `http://127.0.0.1:${server.httpPort}` });
    const ok = (res, what) => {
      assert.equal(res.code, 0, `${what}: ${JSON.stringify(res)}`);
      return res.data;
    };
    const db = uniqueName('rest_db');
    ok(await rest.createDatabase({ dbName: db, properties: { owner: 'ops' } }), 'create');
    assert.ok(ok(await rest.listDatabases({}), 'list').includes(db));
    const desc = ok(await rest.describeDatabase({ dbName: db }), 'describe');
    assert.equal(desc.dbName, db);
    assert.deepEqual(desc.properties, [{ key: 'owner', value: 'ops' }]);
    const inDb = new HttpClient({ endpoint: `http://127.0.0.1:${server.httpPort}`, database: db });
    ok(await inDb.createCollection({ collectionName: 'quick', dimension: DIM }), 'create collection');
    assert.deepEqual(ok(await inDb.listCollections({}), 'list collections'), ['quick']);
    assert.ok(!ok(await rest.listCollections({}), 'list default').includes('quick'));
    const dropped = await rest.dropDatabase({ dbName: db });
    assert.equal(dropped.code, Unexpected, JSON.stringify(dropped));
    ok(await inDb.renameCollection({ collectionName: 'quick', newCollectionName: 'quick2' }), 'rename');
    assert.deepEqual(ok(await inDb.listCollections({}), 'list renamed'), ['quick2']);
    ok(await inDb.dropCollection({ collectionName: 'quick2' }), 'drop collection');
    ok(await rest.dropDatabase({ dbName: db }), 'drop');
    const missing = await inDb.listCollections({});
    assert.equal(missing.code, 800, JSON.stringify(missing));
  });
});
