#include "main/server_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>

namespace strata {

Status LoadConfigFile(const std::string& path, ServerConfig* config) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (root.IsNull()) return Status::Ok();
    if (!root.IsMap()) return InvalidArgument(fmt::format("config {}: expected a mapping", path));
    static const std::set<std::string> kKnown = {"storage", "listen",    "grpc",
                                                 "http",    "log_level", "threads"};
    for (const auto& kv : root) {
      auto key = kv.first.as<std::string>();
      if (!kKnown.count(key))
        return InvalidArgument(fmt::format("config {}: unknown key '{}'", path, key));
    }
    if (root["storage"]) config->storage = root["storage"].as<std::string>();
    if (root["listen"]) config->listen = root["listen"].as<std::string>();
    if (root["log_level"]) config->log_level = root["log_level"].as<std::string>();
    if (root["threads"]) config->threads = root["threads"].as<int>();
    if (root["grpc"] && root["grpc"]["port"]) config->grpc_port = root["grpc"]["port"].as<int>();
    if (root["http"] && root["http"]["port"]) config->http_port = root["http"]["port"].as<int>();
    return Status::Ok();
  } catch (const YAML::Exception& e) {
    return InvalidArgument(fmt::format("config {}: {}", path, e.what()));
  }
}

}  // namespace strata
