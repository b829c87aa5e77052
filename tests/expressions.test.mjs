// Filter expressions through Query: a table of expressions over generated data covering every
// scalar type (Int8..Int64, Float, Double, Bool, VarChar, JSON), each with its expected row set
// computed here in JavaScript, independently of the server; the id sets must match exactly.
// Part of the rows is sealed (flushed), part growing, and a few are deleted.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, tempDir } from './lib/server.mjs';
import {
  connect, closeAll, DataType, uniqueName, assertOk, loadSync, flushSync, rng, randomVectors,
} from './lib/milvus.mjs';

const DIM = 4;
const N = 300;
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'eps'];

function makeRow(i, vec) {
  const j = { a: i % 10, b: `x${i % 4}`, tags: [i % 3, i % 5], nested: { k: i % 7 }, flag: i % 2 === 0 };
  if (i % 4 === 0) j.opt = i;
  return {
    id: i,
    vec,
    i8: ((i * 7) % 256) - 128,
    i16: ((i * 131) % 2000) - 1000,
    i32: ((i * 1009) % 100000) - 50000,
    i64: ((i * 7919) % 1000003) * 1000 - 500000000,
    f: (i % 40) / 4 - 5,
    d: ((i * 37) % 101) / 8 - 6,
    b: i % 3 === 0,
    s: `${WORDS[i % 5]}_${i % 17}`,
    j,
  };
}

// [expression, predicate over a row, exprValues?]
function expressionTable() {
  const cases = [];
  const add = (expr, pred, values) => cases.push([expr, pred, values]);
  const cmp = {
    '==': (a, b) => a === b, '!=': (a, b) => a !== b, '<': (a, b) => a < b,
    '<=': (a, b) => a <= b, '>': (a, b) => a > b, '>=': (a, b) => a >= b,
  };
  const thresholds = { i8: [-100, 0, 77], i16: [-500, 131], i32: [-25000, 1009, 40000], i64: [-400000000, 0] };
  for (const [field, values] of Object.entries(thresholds))
    for (const t of values)
      for (const [op, fn] of Object.entries(cmp)) add(`${field} ${op} ${t}`, (r) => fn(r[field], t));
  for (const [op, fn] of Object.entries(cmp)) {
    add(`f ${op} 0.25`, (r) => fn(r.f, 0.25));
    add(`d ${op} -1.125`, (r) => fn(r.d, -1.125));
    add(`-2 ${op} f`, (r) => fn(-2, r.f));
  }
  add('f == 1', (r) => r.f === 1);
  add('i8 > 1.5', (r) => r.i8 > 1.5);
  add('d < 2', (r) => r.d < 2);
  // Ranges, chained both ways.
  add('-50 < i8 <= 50', (r) => r.i8 > -50 && r.i8 <= 50);
  add('500 >= i16 > -500', (r) => r.i16 <= 500 && r.i16 > -500);
  add('0 <= i32 < 30000', (r) => r.i32 >= 0 && r.i32 < 30000);
  add('-1e8 < i64 < 1e8', (r) => r.i64 > -1e8 && r.i64 < 1e8);
  add('-1.5 <= f <= 1.5', (r) => r.f >= -1.5 && r.f <= 1.5);
  add('-3 < d < 0.5', (r) => r.d > -3 && r.d < 0.5);
  // in / not in.
  for (const field of ['i8', 'i16', 'i32', 'i64']) {
    const some = [0, 5, 17, 123].map((i) => makeRow(i, [])[field]);
    add(`${field} in [${some.join(', ')}]`, (r) => some.includes(r[field]));
    add(`${field} not in [${some.join(', ')}]`, (r) => !some.includes(r[field]));
  }
  add('i8 in []', () => false);
  add('id in [1, 2, 3, 299, 1000]', (r) => [1, 2, 3, 299].includes(r.id));
  add('id == 42', (r) => r.id === 42);
  add('42 == id', (r) => r.id === 42);
  add('id not in [0, 1]', (r) => r.id > 1);
  add('id < 10 or id > 290', (r) => r.id < 10 || r.id > 290);
  add('id >= 0x10 and id < 0x20', (r) => r.id >= 16 && r.id < 32);
  // Bool.
  add('b', (r) => r.b);
  add('not b', (r) => !r.b);
  add('!b', (r) => !r.b);
  add('b == true', (r) => r.b);
  add('b != true', (r) => !r.b);
  add('b == False', (r) => !r.b);
  add('b in [true]', (r) => r.b);
  add('b and i8 > 0', (r) => r.b && r.i8 > 0);
  // VarChar.
  add('s == "alpha_3"', (r) => r.s === 'alpha_3');
  add("s == 'beta_1'", (r) => r.s === 'beta_1');
  add('s != "alpha_3"', (r) => r.s !== 'alpha_3');
  add('s < "beta"', (r) => r.s < 'beta');
  add('s >= "delta_5"', (r) => r.s >= 'delta_5');
  add('s > "gamma_16"', (r) => r.s > 'gamma_16');
  add('s like "gam%"', (r) => r.s.startsWith('gam'));
  add('s like "%_1"', (r) => /.1$/.test(r.s));  // `_` is any one character
  add('s like "%ta%"', (r) => r.s.includes('ta'));
  add('s like "a____\\\\_1%"', (r) => /^a...._1/.test(r.s));
  add('s like "%e%_1_"', (r) => /e.*.1.$/.test(r.s));
  add('s like "eps_10"', (r) => r.s === 'eps_10');
  add('s in ["alpha_0", "eps_4", "nope"]', (r) => ['alpha_0', 'eps_4'].includes(r.s));
  add('s not in ["alpha_0", "eps_4"]', (r) => !['alpha_0', 'eps_4'].includes(r.s));
  add('s like "beta%" and i16 < 0', (r) => r.s.startsWith('beta') && r.i16 < 0);
  // Arithmetic (integers truncate and take the dividend's sign, like C; JS matches that).
  add('i32 % 7 == 3', (r) => r.i32 % 7 === 3);
  add('i32 % 7 == -3', (r) => r.i32 % 7 === -3);
  add('i16 + 5 > 100', (r) => r.i16 + 5 > 100);
  add('i8 * 2 < -50', (r) => r.i8 * 2 < -50);
  add('i64 / 1000 > 1000', (r) => Math.trunc(r.i64 / 1000) > 1000);
  add('i32 / 7 == -1000', (r) => Math.trunc(r.i32 / 7) === -1000);
  add('(i32 + 1) * 2 > 1000', (r) => (r.i32 + 1) * 2 > 1000);
  add('d * 2 >= 3.5', (r) => r.d * 2 >= 3.5);
  add('f + d > 0', (r) => r.f + r.d > 0);
  add('i8 ** 2 > 900', (r) => r.i8 ** 2 > 900);
  add('-i8 > 100', (r) => -r.i8 > 100);
  add('i16 - i8 > 0', (r) => r.i16 - r.i8 > 0);
  add('id % 2 == 0 and id % 3 == 0', (r) => r.id % 6 === 0);
  // Field to field.
  add('i8 < i16', (r) => r.i8 < r.i16);
  add('f < d', (r) => r.f < r.d);
  add('i16 >= i8', (r) => r.i16 >= r.i8);
  add('i32 > i64', (r) => r.i32 > r.i64);
  add('f == d', (r) => r.f === r.d);
  // Logic.
  add('i8 > 0 and i16 > 0', (r) => r.i8 > 0 && r.i16 > 0);
  add('i8 > 0 && i16 > 0', (r) => r.i8 > 0 && r.i16 > 0);
  add('i8 > 0 or i16 > 0', (r) => r.i8 > 0 || r.i16 > 0);
  add('i8 > 0 || i16 > 0', (r) => r.i8 > 0 || r.i16 > 0);
  add('not (i8 > 0 or i16 > 0)', (r) => !(r.i8 > 0 || r.i16 > 0));
  add('not i8 > 0 and b', (r) => !(r.i8 > 0) && r.b);
  add('i8 > 0 or b and i16 < 0', (r) => r.i8 > 0 || (r.b && r.i16 < 0));
  add('(i8 > 0 or b) and i16 < 0', (r) => (r.i8 > 0 || r.b) && r.i16 < 0);
  add('i8 > 0 AND i16 > 0 OR s like "eps%"', (r) => (r.i8 > 0 && r.i16 > 0) || r.s.startsWith('eps'));
  add('not not b', (r) => r.b);
  add('i8 > 200', () => false);
  add('i8 > -200', () => true);
  add('i8 >= -128 and i8 <= 127', () => true);
  add('(((i32 > 0)))', (r) => r.i32 > 0);
  add('i32 > 0 and i32 < 0', () => false);
  add('i32 > 0 or i32 <= 0', () => true);
  add('b or not b', () => true);
  add('i8 is not null', () => true);
  add('i8 is null', () => false);
  for (let k = 0; k < 5; k += 1)
    add(`id % 5 == ${k} and (f > ${k - 3} or s like "${WORDS[k]}%")`, (r) => r.id % 5 === k && (r.f > k - 3 || r.s.startsWith(WORDS[k])));
  // JSON.
  const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  add('j["a"] == 3', (r) => r.j.a === 3);
  add('j["a"] > 5', (r) => r.j.a > 5);
  add('j["a"] != 3', (r) => r.j.a !== 3);
  add('j["a"] in [1, 2, 9]', (r) => [1, 2, 9].includes(r.j.a));
  add('j["a"] not in [1, 2, 9]', (r) => ![1, 2, 9].includes(r.j.a));
  add('j["a"] == 3.0', (r) => r.j.a === 3);
  add('j["a"] % 2 == 0', (r) => r.j.a % 2 === 0);
  add('j["a"] + 1 > 8', (r) => r.j.a + 1 > 8);
  add('j["a"] > i8', (r) => r.j.a > r.i8);
  add('j["b"] == "x1"', (r) => r.j.b === 'x1');
  add('j["b"] in ["x1", "x2"]', (r) => ['x1', 'x2'].includes(r.j.b));
  add('j["b"] like "x%"', (r) => r.j.b.startsWith('x'));
  add('j["b"] > "x1"', (r) => r.j.b > 'x1');
  add('j["b"] == 1', () => false);
  add('j["tags"][0] == 1', (r) => r.j.tags[0] === 1);
  add('j["tags"][1] >= 3', (r) => r.j.tags[1] >= 3);
  add('j["tags"][2] == 0', () => false);
  add('j["nested"]["k"] >= 4', (r) => r.j.nested.k >= 4);
  add('j["nested"]["k"] == j["a"]', (r) => r.j.nested.k === r.j.a);
  add('exists j["opt"]', (r) => has(r.j, 'opt'));
  add('not exists j["opt"]', (r) => !has(r.j, 'opt'));
  add('j["opt"] > 100', (r) => has(r.j, 'opt') && r.j.opt > 100);
  add('not (j["opt"] > 100)', (r) => !(has(r.j, 'opt') && r.j.opt > 100));
  add('j["opt"] != 100', (r) => has(r.j, 'opt') && r.j.opt !== 100);
  add('j["missing"] == 1', () => false);
  add('j["flag"]', (r) => r.j.flag);
  add('j["flag"] == false', (r) => !r.j.flag);
  add('json_contains(j["tags"], 2)', (r) => r.j.tags.includes(2));
  add('JSON_CONTAINS(j["tags"], 4)', (r) => r.j.tags.includes(4));
  add('json_contains_any(j["tags"], [1, 4])', (r) => r.j.tags.some((t) => [1, 4].includes(t)));
  add('json_contains_all(j["tags"], [0, 0])', (r) => r.j.tags.includes(0));
  add('json_contains_all(j["tags"], [1, 2])', (r) => r.j.tags.includes(1) && r.j.tags.includes(2));
  add('array_contains(j["tags"], 3)', (r) => r.j.tags.includes(3));
  add('array_length(j["tags"]) == 2', () => true);
  add('j["a"] > 3 and b', (r) => r.j.a > 3 && r.b);
  add('j["b"] == "x0" or j["nested"]["k"] == 6', (r) => r.j.b === 'x0' || r.j.nested.k === 6);
  // Templates (expr_template_values).
  add('i32 > {v}', (r) => r.i32 > 1234, { v: 1234 });
  add('f <= {x}', (r) => r.f <= 2.5, { x: 2.5 });
  add('s in {names}', (r) => ['alpha_0', 'beta_1'].includes(r.s), { names: ['alpha_0', 'beta_1'] });
  add('id in {ids} and b == {flag}', (r) => [3, 6, 7, 9].includes(r.id) && r.b, { ids: [3, 6, 7, 9], flag: true });
  add('{lo} < i16 < {hi}', (r) => r.i16 > -100 && r.i16 < 100, { lo: -100, hi: 100 });
  add('s like {p}', (r) => r.s.startsWith('del'), { p: 'del%' });
  add('j["a"] in {as}', (r) => [0, 5].includes(r.j.a), { as: [0, 5] });
  return cases;
}

describe('filter expressions', { timeout: 300000 }, () => {
  let server;
  let client;
  const name = uniqueName('exprs');
  const rand = rng(2718);
  const rows = randomVectors(N, DIM, rand).map((vec, i) => makeRow(i, vec));
  const deleted = new Set(rows.filter((r) => r.id % 50 === 7).map((r) => r.id));
  const live = rows.filter((r) => !deleted.has(r.id));

  before(async () => {
    server = await startServer({ storage: tempDir('expressions'), name: 'expressions' });
    client = await connect(server.address);
    assertOk(await client.createCollection({
      collection_name: name,
      fields: [
        { name: 'id', data_type: DataType.Int64, is_primary_key: true },
        { name: 'vec', data_type: DataType.FloatVector, dim: DIM },
        { name: 'i8', data_type: DataType.Int8 },
        { name: 'i16', data_type: DataType.Int16 },
        { name: 'i32', data_type: DataType.Int32 },
        { name: 'i64', data_type: DataType.Int64 },
        { name: 'f', data_type: DataType.Float },
        { name: 'd', data_type: DataType.Double },
        { name: 'b', data_type: DataType.Bool },
        { name: 's', data_type: DataType.VarChar, max_length: 32 },
        { name: 'j', data_type: DataType.JSON },
      ],
    }), 'create');
    // Half sealed, half growing.
    assertOk(await client.insert({ collection_name: name, data: rows.slice(0, N / 2) }), 'insert 1');
    await flushSync(client, [name]);
    assertOk(await client.insert({ collection_name: name, data: rows.slice(N / 2) }), 'insert 2');
    assertOk(await client.createIndex({ collection_name: name, field_name: 'vec', index_type: 'FLAT', metric_type: 'L2' }), 'index');
    await loadSync(client, name);
    assertOk(await client.delete({ collection_name: name, ids: [...deleted] }), 'delete');
  });

  after(async () => {
    await closeAll([client]);
    await server?.stop('SIGTERM').catch(() => {});
  });

  test('at least 150 expressions return exactly the expected ids', async () => {
    const cases = expressionTable();
    assert.ok(cases.length >= 150, `only ${cases.length} expressions`);
    const failures = [];
    for (const [expr, pred, values] of cases) {
      const want = live.filter(pred).map((r) => r.id).sort((a, b) => a - b);
      const req = { collection_name: name, filter: expr, output_fields: ['id'], limit: 16384 };
      if (values) req.exprValues = values;
      const res = await client.query(req);
      if (res.status.error_code !== 'Success') {
        failures.push(`${expr}: ${res.status.reason}`);
        continue;
      }
      const got = res.data.map((r) => Number(r.id)).sort((a, b) => a - b);
      if (JSON.stringify(got) !== JSON.stringify(want))
        failures.push(`${expr}: got ${got.length} ids, expected ${want.length} ` +
          `(missing ${want.filter((id) => !got.includes(id)).slice(0, 5)}, extra ${got.filter((id) => !want.includes(id)).slice(0, 5)})`);
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} expressions differ`);
  });
});
