// Versions reported to clients and in logs.
#pragma once

namespace strata {

inline constexpr const char* kStrataVersion = "0.1.0";
// The Milvus release whose protocol this server speaks; clients gate features on it.
inline constexpr const char* kMilvusCompatVersion = "v2.4.15";

}  // namespace strata
