// What every fuzz target shares: a check that aborts (libFuzzer records the
// input that made it fail), and the view-inside-input rule of docs/design.md
// rule 1 (a parser never returns bytes outside the buffer it was given).
#pragma once
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/bytes.hpp"

#define FUZZ_CHECK(cond)                                                              \
    do {                                                                              \
        if (!(cond)) {                                                                \
            std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                             \
        }                                                                             \
    } while (0)

namespace fuzz {

inline bool inside(base::Bytes part, base::Bytes whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

inline bool same(base::Bytes a, base::Bytes b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace fuzz
