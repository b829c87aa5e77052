// A minimal, independent S3 client for the tests (ListObjectsV2, GetObject, PutObject, and the
// start of a multipart upload with ListMultipartUploads; SigV4, path style), so the suite can
// inspect what Strata wrote to a bucket, or plant objects and uploads in it, without going
// through Strata's own S3 code.

import crypto from 'node:crypto';

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const encode = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

// From the environment scripts/start-s3 exports.
export function s3FromEnv() {
  const { S3_ENDPOINT, S3_BUCKET, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY } = process.env;
  if (!S3_ENDPOINT || !S3_BUCKET) return null;
  return {
    endpoint: S3_ENDPOINT.replace(/\/$/, ''),
    bucket: S3_BUCKET,
    accessKey: AWS_ACCESS_KEY_ID,
    secretKey: AWS_SECRET_ACCESS_KEY,
    region: process.env.AWS_DEFAULT_REGION || 'us-east-1',
  };
}

async function signedRequest(s3, method, objectPath, query, body = Buffer.alloc(0)) {
  const url = new URL(`${s3.endpoint}/${s3.bucket}${objectPath}`);
  const now = new Date().toISOString().replace(/[:-]|\.\d{3}/g, '');
  const day = now.slice(0, 8);
  const canonicalQuery = Object.keys(query).sort().map((k) => `${encode(k)}=${encode(query[k])}`).join('&');
  const payloadHash = sha256(body);
  const headers = { host: url.host, 'x-amz-content-sha256': payloadHash, 'x-amz-date': now };
  const signed = Object.keys(headers).sort();
  const canonicalPath = url.pathname.split('/').map((p) => encode(decodeURIComponent(p))).join('/');
  const canonical = [method, canonicalPath, canonicalQuery,
    signed.map((h) => `${h}:${headers[h]}\n`).join(''), signed.join(';'), payloadHash].join('\n');
  const scope = `${day}/${s3.region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', now, scope, sha256(canonical)].join('\n');
  let key = hmac(`AWS4${s3.secretKey}`, day);
  for (const part of [s3.region, 's3', 'aws4_request']) key = hmac(key, part);
  const signature = crypto.createHmac('sha256', key).update(toSign).digest('hex');
  headers.authorization = `AWS4-HMAC-SHA256 Credential=${s3.accessKey}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  const res = await fetch(`${url.origin}${canonicalPath}${canonicalQuery ? `?${canonicalQuery}` : ''}`,
    { method, headers, body: method === 'GET' ? undefined : body });
  const reply = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`S3 ${method} ${objectPath} -> ${res.status}: ${reply.toString().slice(0, 300)}`);
  return reply;
}

const signedGet = (s3, objectPath, query) => signedRequest(s3, 'GET', objectPath, query);

// [{key, size, lastModified, etag}] of every object under prefix, following continuation tokens.
export async function listObjects(s3, prefix) {
  const out = [];
  let token;
  do {
    const query = { 'list-type': '2', prefix };
    if (token) query['continuation-token'] = token;
    const xml = (await signedGet(s3, '', query)).toString();
    for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const field = (name) => (m[1].match(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`)) || [])[1];
      out.push({ key: field('Key'), size: Number(field('Size')), lastModified: field('LastModified'), etag: field('ETag') });
    }
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? (xml.match(/<NextContinuationToken>([^<]*)</) || [])[1] : undefined;
  } while (token);
  return out;
}

const objectPath = (key) => `/${key.split('/').map(encode).join('/')}`;

export async function getObject(s3, key) {
  return signedGet(s3, objectPath(key), {});
}

export async function putObject(s3, key, body) {
  await signedRequest(s3, 'PUT', objectPath(key), {}, Buffer.from(body));
}

// Begins a multipart upload of `key` and sends its first part, then leaves it unfinished, as
// a writer that dies does.
export async function startUpload(s3, key, part) {
  const xml = (await signedRequest(s3, 'POST', objectPath(key), { uploads: '' })).toString();
  const uploadId = (xml.match(/<UploadId>([^<]+)<\/UploadId>/) || [])[1];
  if (!uploadId) throw new Error(`no UploadId in ${xml.slice(0, 300)}`);
  await signedRequest(s3, 'PUT', objectPath(key), { partNumber: '1', uploadId }, Buffer.from(part));
  return uploadId;
}

// Keys of the unfinished multipart uploads under prefix (one page of up to 1,000 is enough
// for the tests).
export async function listUploads(s3, prefix) {
  const xml = (await signedGet(s3, '', { uploads: '', prefix })).toString();
  return [...xml.matchAll(/<Upload>[\s\S]*?<Key>([^<]*)<\/Key>[\s\S]*?<\/Upload>/g)].map((m) => m[1]);
}
