#include "main/bench_verb.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace strata {

int ExecBenchTool(const std::string& tool, const std::vector<std::string>& args) {
  std::error_code ec;
  // /proc/self/exe, not argv[0]: the tool sits beside the binary wherever it was started from.
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    fprintf(stderr, "strata bench: cannot find the strata binary: %s\n", ec.message().c_str());
    return 2;
  }
  std::string path = (self.parent_path() / ("strata-bench-" + tool)).string();
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execv(path.c_str(), argv.data());
  fprintf(stderr, "strata bench %s: cannot run %s: %s (`make build` builds it)\n", tool.c_str(),
          path.c_str(), strerror(errno));
  return 2;
}

}  // namespace strata
