// A plain @grpc/grpc-js channel that sends already-encoded Milvus requests: the benchmarks'
// `--client encoded` mode, which measures the server with clients that cost little CPU.
// Messages are built with the Milvus Node SDK's own protobuf definitions
// (`client.milvusProto`), which use camelCase field names.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/package.json', import.meta.url));
const grpc = require('@grpc/grpc-js');

const identity = (bytes) => bytes;

// call(method, bytes, timeoutMs) sends the encoded request to MilvusService/<method> and
// resolves to the encoded reply; close() closes the channel.
export function rawMilvusChannel(address) {
  const channel = new grpc.Client(address, grpc.credentials.createInsecure());
  return {
    call: (method, bytes, timeoutMs) => new Promise((resolve, reject) => {
      channel.makeUnaryRequest(`/milvus.proto.milvus.MilvusService/${method}`, identity, identity,
        bytes, { deadline: Date.now() + timeoutMs }, (err, reply) => (err ? reject(err) : resolve(reply)));
    }),
    close: () => channel.close(),
  };
}
