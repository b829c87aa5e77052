// `strata bench <tool> ARGS...`: runs the benchmark executable `strata-bench-<tool>` that the
// build puts beside the `strata` binary, passing ARGS through unchanged.
//
// Why a separate executable: the benchmarks link the peer libraries they compare against
// (FAISS with OpenMP and BLAS; hnswlib compiled with -march=native, its best case), and the
// server binary must do neither — it runs on every x86-64 CPU and needs no FAISS at run time.
#pragma once

#include <string>
#include <vector>

namespace strata {

// Replaces this process with the tool (execv); returns only on failure, with an exit code
// after printing why (tool not built, not executable) to stderr.
int ExecBenchTool(const std::string& tool, const std::vector<std::string>& args);

}  // namespace strata
