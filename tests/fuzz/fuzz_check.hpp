#pragma once
// Invariant checks for the libFuzzer harnesses: a violated invariant prints
// what was expected and aborts, so that libFuzzer saves the input as a
// crash (a plain assert would vanish under -DNDEBUG).

#include <cstdio>
#include <cstdlib>
#include <string>

namespace taas::fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* cond, const std::string& what) {
  std::fprintf(stderr, "\n==FUZZ INVARIANT== %s:%d: %s\n  %s\n", file, line, cond, what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace taas::fuzz

/// Aborts with `what` (a std::string expression, evaluated only on failure)
/// when `cond` is false.
#define FUZZ_CHECK(cond, what)                                     \
  do {                                                             \
    if (!(cond)) ::taas::fuzz::fail(__FILE__, __LINE__, #cond, (what)); \
  } while (0)
