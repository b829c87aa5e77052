// Collection catalog calls: CreateCollection, DescribeCollection, HasCollection, ShowCollections,
// GetCollectionStatistics, DropCollection, duplicates and invalid schemas.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, assertMilvusError, settle, Code, flushSync,
  rng, randomVectors,
} from './lib/milvus.mjs';

const DIM = 8;

function allTypesFields(dim = DIM) {
  return [
    { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false, description: 'primary key' },
    { name: 'vec', data_type: DataType.FloatVector, dim },
    { name: 'flag', data_type: DataType.Bool },
    { name: 'tiny', data_type: DataType.Int8 },
    { name: 'small', data_type: DataType.Int16 },
    { name: 'medium', data_type: DataType.Int32 },
    { name: 'big', data_type: DataType.Int64 },
    { name: 'ratio', data_type: DataType.Float },
    { name: 'precise', data_type: DataType.Double },
    { name: 'title', data_type: DataType.VarChar, max_length: 32 },
  ];
}

describe('collections', { timeout: 180000 }, () => {
  let server;
  let client;

  before(async () => {
    server = await startServer({ storage: tempDir('collections'), name: 'collections' });
    client = await connect(server.address);
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('create, describe, has, show, statistics, drop', async () => {
    const name = uniqueName('coll');
    assert.equal((await client.hasCollection({ collection_name: name })).value, false, 'not there before create');

    assertOk(await client.createCollection({ collection_name: name, description: 'all scalar types', fields: allTypesFields() }), 'createCollection');
    assert.equal((await client.hasCollection({ collection_name: name })).value, true, 'hasCollection after create');

    const desc = await client.describeCollection({ collection_name: name });
    assertOk(desc, 'describeCollection');
    assert.equal(desc.schema.name, name, 'schema.name is the collection name');
    assert.ok(BigInt(desc.collectionID) > 0n, `collectionID ${desc.collectionID}`);
    const fields = desc.schema.fields;
    assert.deepEqual(fields.map((f) => f.name), allTypesFields().map((f) => f.name), 'field order is kept');
    const byName = Object.fromEntries(fields.map((f) => [f.name, f]));
    assert.deepEqual(fields.map((f) => f.data_type),
      ['Int64', 'FloatVector', 'Bool', 'Int8', 'Int16', 'Int32', 'Int64', 'Float', 'Double', 'VarChar']);
    assert.equal(byName.id.is_primary_key, true);
    assert.equal(byName.id.autoID, false);
    assert.equal(byName.vec.is_primary_key, false);
    // The SDK flattens type_params onto the field; insert uses Number(field.dim).
    assert.equal(String(byName.vec.dim), String(DIM), 'vec dim in type_params');
    assert.equal(String(byName.title.max_length), '32', 'title max_length in type_params');
    const ids = new Set(fields.map((f) => String(f.fieldID)));
    assert.equal(ids.size, fields.length, 'field ids are distinct');

    const shown = await client.showCollections();
    assertOk(shown, 'showCollections');
    const entry = shown.data.find((c) => c.name === name);
    assert.ok(entry, `showCollections lists ${name}: ${JSON.stringify(shown.collection_names)}`);
    assert.equal(String(entry.id), String(desc.collectionID), 'ShowCollections id matches DescribeCollection');
    assert.equal(shown.collection_names.length, shown.collection_ids.length, 'parallel arrays');
    assert.equal(shown.collection_names.length, shown.created_utc_timestamps.length, 'parallel arrays');

    const stats0 = await client.getCollectionStatistics({ collection_name: name });
    assertOk(stats0, 'getCollectionStatistics');
    assert.equal(Number(stats0.data.row_count), 0, 'row_count of an empty collection');

    const rand = rng(7);
    const vectors = randomVectors(25, DIM, rand);
    const rows = vectors.map((vec, i) => ({
      id: i + 1, vec, flag: i % 2 === 0, tiny: i - 12, small: i * 100, medium: i * 100000, big: String(i * 1e12),
      ratio: Math.fround(i / 3), precise: i / 7, title: `row ${i}`,
    }));
    const ins = await client.insert({ collection_name: name, data: rows });
    assertOk(ins, 'insert');
    assert.equal(Number(ins.insert_cnt), 25, 'insert_cnt');
    await flushSync(client, name);
    const stats1 = await client.getCollectionStatistics({ collection_name: name });
    assertOk(stats1, 'getCollectionStatistics after flush');
    assert.equal(Number(stats1.data.row_count), 25, 'row_count after insert + flush');

    assertOk(await client.dropCollection({ collection_name: name }), 'dropCollection');
    assert.equal((await client.hasCollection({ collection_name: name })).value, false, 'hasCollection after drop');
    const gone = await client.describeCollection({ collection_name: name });
    assertMilvusError(gone, { code: Code.CollectionNotFound, errorCode: 'CollectionNotExists' }, 'describe after drop');
    const shown2 = await client.showCollections();
    assertOk(shown2, 'showCollections after drop');
    assert.ok(!shown2.collection_names.includes(name), 'dropped collection is not listed');
  });

  test('a dropped name can be created again, empty, with a new id', async () => {
    const name = uniqueName('reuse');
    assertOk(await client.createCollection({ collection_name: name, fields: allTypesFields() }), 'create');
    const first = await client.describeCollection({ collection_name: name });
    await client.insert({ collection_name: name, data: [{ id: 1, vec: new Array(DIM).fill(0.5), flag: true, tiny: 1, small: 1, medium: 1, big: 1, ratio: 1, precise: 1, title: 'x' }] });
    assertOk(await client.dropCollection({ collection_name: name }), 'drop');
    assertOk(await client.createCollection({ collection_name: name, fields: allTypesFields(16) }), 'create again');
    const second = await client.describeCollection({ collection_name: name });
    assertOk(second, 'describe again');
    assert.notEqual(String(second.collectionID), String(first.collectionID), 'a new collection id');
    assert.equal(String(second.schema.fields.find((f) => f.name === 'vec').dim), '16', 'the new schema');
    const stats = await client.getCollectionStatistics({ collection_name: name });
    assert.equal(Number(stats.data.row_count), 0, 'no rows of the dropped incarnation');
    assertOk(await client.dropCollection({ collection_name: name }), 'drop again');
  });

  test('VarChar primary key and auto_id Int64 primary key schemas', async () => {
    const v = uniqueName('varchar_pk');
    assertOk(await client.createCollection({
      collection_name: v,
      fields: [
        { name: 'doc', data_type: DataType.VarChar, is_primary_key: true, max_length: 64 },
        { name: 'vec', data_type: DataType.FloatVector, dim: 4 },
      ],
    }), 'create varchar pk');
    const dv = await client.describeCollection({ collection_name: v });
    const pk = dv.schema.fields.find((f) => f.is_primary_key);
    assert.equal(pk.name, 'doc');
    assert.equal(pk.data_type, 'VarChar');

    const a = uniqueName('auto_pk');
    assertOk(await client.createCollection({
      collection_name: a,
      fields: [
        { name: 'pk', data_type: DataType.Int64, is_primary_key: true, autoID: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: 4 },
      ],
    }), 'create auto_id pk');
    const da = await client.describeCollection({ collection_name: a });
    assert.equal(da.schema.fields.find((f) => f.is_primary_key).autoID, true, 'autoID is reported');
    assertOk(await client.dropCollection({ collection_name: v }), 'drop');
    assertOk(await client.dropCollection({ collection_name: a }), 'drop');
  });

  test('duplicate collection: different schema is rejected, existing one untouched', async () => {
    const name = uniqueName('dup');
    assertOk(await client.createCollection({ collection_name: name, fields: allTypesFields() }), 'create');
    const before = await client.describeCollection({ collection_name: name });
    const res = await settle(() => client.createCollection({ collection_name: name, fields: allTypesFields(DIM * 2) }));
    assertMilvusError(res, { code: Code.InvalidParameter, errorCode: 'IllegalArgument', mentions: [name] }, 'duplicate with another schema');
    // Same schema again: Milvus treats it as idempotent success; an error is acceptable too.
    const same = await settle(() => client.createCollection({ collection_name: name, fields: allTypesFields() }));
    if (same.error_code !== 'Success') assertMilvusError(same, { code: Code.InvalidParameter, errorCode: 'IllegalArgument' }, 'duplicate with the same schema');
    const after = await client.describeCollection({ collection_name: name, cache: false });
    assert.equal(String(after.collectionID), String(before.collectionID), 'same collection id');
    assert.equal(String(after.schema.fields.find((f) => f.name === 'vec').dim), String(DIM), 'schema unchanged');
    assertOk(await client.dropCollection({ collection_name: name }), 'drop');
  });

  test('invalid schemas are rejected and create nothing', async () => {
    const cases = [
      // (dim 0 is refused by the SDK itself; -1 reaches the server.)
      ['dim -1', [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'vec', data_type: DataType.FloatVector, dim: -1 }]],
      ['dim above 32768', [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'vec', data_type: DataType.FloatVector, dim: 32769 }]],
      ['duplicate field names', [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'vec', data_type: DataType.FloatVector, dim: 4 }, { name: 'vec', data_type: DataType.Int32 }]],
    ];
    for (const [what, fields] of cases) {
      const name = uniqueName('invalid');
      const res = await settle(() => client.createCollection({ collection_name: name, fields }));
      assertMilvusError(res, { code: Code.InvalidParameter, errorCode: 'IllegalArgument' }, what);
      assert.equal((await client.hasCollection({ collection_name: name })).value, false, `${what}: nothing created`);
    }
  });

  test('a 32768-d vector field is accepted', async () => {
    const name = uniqueName('maxdim');
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [{ name: 'id', data_type: DataType.Int64, is_primary_key: true }, { name: 'vec', data_type: DataType.FloatVector, dim: 32768 }],
    }), 'create dim 32768');
    assertOk(await client.dropCollection({ collection_name: name }), 'drop');
  });
});
