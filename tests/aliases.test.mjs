// Collection aliases through the Node SDK (gRPC) and the REST API: an alias reads and writes
// its collection, AlterAlias switches it to another one (the blue/green reindex Milvus users
// do), names never clash, a collection is not dropped through or under an alias, and aliases
// survive a restart.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HttpClient } from '@zilliz/milvus2-sdk-node';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, settle, loadSync, countRows, rng,
  randomVectors,
} from './lib/milvus.mjs';

const DIM = 4;

describe('aliases', { timeout: 300000 }, () => {
  const storage = tempDir('aliases');
  const vectors = randomVectors(20, DIM, rng(3));
  const blue = uniqueName('blue');
  const green = uniqueName('green');
  const prod = uniqueName('prod');
  let server;
  let client;

  const create = async (name, firstId) => {
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
      ],
    }), `create ${name}`);
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    const data = vectors.slice(0, 10).map((vec, i) => ({ id: firstId + i, vec }));
    assertOk(await client.insert({ collection_name: name, data }), 'insert');
    await loadSync(client, name);
  };
  // The SDK insists on a collection_name here, which DescribeAlias does not carry.
  const describeAlias = (alias) => client.describeAlias({ collection_name: blue, alias });
  const ids = async (name) => {
    const res = await client.query({ collection_name: name, filter: 'id >= 0', output_fields: ['id'] });
    assertOk(res, `query ${name}`);
    return res.data.map((r) => Number(r.id)).sort((a, b) => a - b);
  };

  before(async () => {
    server = await startServer({ storage, name: 'aliases' });
    client = await connect(server.address);
    await create(blue, 0);
    await create(green, 100);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('an alias reads and writes its collection', async () => {
    assertOk(await client.createAlias({ collection_name: blue, alias: prod }), 'createAlias');
    const desc = await describeAlias(prod);
    assertOk(desc, 'describeAlias');
    assert.equal(desc.collection, blue);
    assert.deepEqual((await client.listAliases({ collection_name: blue })).aliases, [prod]);
    const viaAlias = await client.describeCollection({ collection_name: prod });
    assertOk(viaAlias, 'describeCollection by alias');
    assert.equal(viaAlias.collection_name, blue, 'the real name');
    assert.deepEqual(viaAlias.aliases, [prod]);

    assert.equal(await countRows(client, prod), 10);
    assertOk(await client.insert({ collection_name: prod, data: [{ id: 10, vec: vectors[10] }] }), 'insert by alias');
    assert.equal(await countRows(client, blue), 11, 'the row went to the collection');
    const hits = await client.search({ collection_name: prod, data: [vectors[10]], limit: 1 });
    assertOk(hits, 'search by alias');
    assert.equal(Number(hits.results[0].id), 10);
  });

  test('AlterAlias switches readers to another collection', async () => {
    assertOk(await client.alterAlias({ collection_name: green, alias: prod }), 'alterAlias');
    assert.equal((await describeAlias(prod)).collection, green);
    assert.deepEqual(await ids(prod), [...Array(10).keys()].map((i) => 100 + i));
    assert.deepEqual((await client.listAliases({ collection_name: blue })).aliases, []);
    assert.deepEqual((await client.listAliases({ collection_name: green })).aliases, [prod]);
  });

  test('names never clash, and nothing is dropped through or under an alias', async () => {
    assertMilvusError(await client.createAlias({ collection_name: blue, alias: green }), { code: 1601 }, 'alias named like a collection');
    assertMilvusError(await client.createAlias({ collection_name: blue, alias: prod }), { code: 1602 }, 'alias of another collection');
    assertOk(await client.createAlias({ collection_name: green, alias: prod }), 'the same alias again');
    assertMilvusError(await settle(() => client.createCollection({
      collection_name: prod, fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'v', data_type: DataType.FloatVector, dim: 2 }],
    })), { code: 1601 }, 'collection named like an alias');
    assertMilvusError(await client.createAlias({ collection_name: 'no_such_collection', alias: 'x1' }), { code: 100 }, 'unknown collection');
    assertMilvusError(await client.createAlias({ collection_name: blue, alias: '1bad' }), { code: 1100 }, 'bad alias name');
    assertMilvusError(await describeAlias('no_such_alias'), { code: 1600 }, 'describe unknown');
    assertMilvusError(await client.alterAlias({ collection_name: blue, alias: 'no_such_alias' }), { code: 1600 }, 'alter unknown');
    assertMilvusError(await client.dropCollection({ collection_name: prod }), { code: 1100 }, 'drop through an alias');
    assertMilvusError(await client.dropCollection({ collection_name: green }), { code: 1100 }, 'drop under an alias');
    assert.equal(await countRows(client, green), 10, 'still there');
  });

  test('aliases survive a restart', async () => {
    await closeAll([client]);
    await server.stop('SIGTERM');
    server = await startServer({ storage, name: 'aliases-2' });
    client = await connect(server.address);
    assert.equal((await describeAlias(prod)).collection, green);
    assert.deepEqual(await ids(prod), [...Array(10).keys()].map((i) => 100 + i));
  });

  test('the REST API manages the same aliases', async () => {
    const rest = new HttpClient({ endpoint: `http://127.0.0.1:${server.httpPort}` });
    const staging = uniqueName('staging');
    assert.equal((await rest.createAlias({ collectionName: blue, aliasName: staging })).code, 0);
    assert.deepEqual((await rest.describeAlias({ aliasName: staging })).data,
      { aliasName: staging, collectionName: blue, dbName: 'default' });
    assert.deepEqual((await rest.listAliases({ collectionName: green })).data, [prod]);
    assert.deepEqual((await rest.listAliases({})).data.sort(), [prod, staging].sort());
    assert.deepEqual((await rest.describeCollection({ collectionName: staging })).data.aliases, [staging]);
    const rows = await rest.query({ collectionName: staging, filter: 'id >= 0', outputFields: ['id'], limit: 100 });
    assert.equal(rows.data.length, 11);
    assert.equal((await rest.alterAlias({ collectionName: green, aliasName: staging })).code, 0);
    assert.equal((await rest.describeAlias({ aliasName: staging })).data.collectionName, green);
    assert.equal((await rest.dropAlias({ aliasName: staging })).code, 0);
    assert.equal((await rest.describeAlias({ aliasName: staging })).code, 1600);
  });

  test('dropping the alias frees the name and the collection', async () => {
    assertOk(await client.dropAlias({ alias: prod }), 'dropAlias');
    assertOk(await client.dropAlias({ alias: prod }), 'dropAlias again');
    assertMilvusError(await client.describeCollection({ collection_name: prod }), { code: 100 }, 'the alias is gone');
    assertOk(await client.dropCollection({ collection_name: green }), 'drop green');
    assertOk(await client.dropCollection({ collection_name: blue }), 'drop blue');
  });
});
