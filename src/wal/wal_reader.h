// Reading the write-ahead log of one collection shard at recovery. Objects live at
// WalKey(prefix, lsn) = prefix + the lsn as 20 zero-padded decimal digits, e.g.
// "wal/<collection id>/0/00000000000000000042"; see doc/formats.md "WAL object".
//
// Thread-safe (stateless functions); `store` must be valid for the call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "format/wal_codec.h"
#include "objstore/object_store.h"

namespace strata {

std::string WalKey(std::string_view prefix, uint64_t lsn);

// The lsns of every object under `prefix`, ascending (one LIST). DataLoss for any key under
// the prefix that is not 20 digits naming an lsn in [1, 2^64). The caller checks that the
// lsns above its covered position are contiguous (a gap is a lost object); gaps below it
// can be left by an interrupted truncation and are harmless.
Result<std::vector<uint64_t>> ListWal(ObjectStore* store, std::string_view prefix);

// The records of the object at `lsn`, in order. The store's error if the Get fails
// (NotFound when absent); DataLoss naming the key if the object is corrupt or holds
// another lsn than its name says.
Result<std::vector<WalRecord>> ReadWalObject(ObjectStore* store, std::string_view prefix,
                                             uint64_t lsn);

}  // namespace strata
