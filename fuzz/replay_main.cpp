// A main for a fuzz target without libFuzzer: runs the target once over
// each file named on the command line, as libFuzzer does with file
// arguments. `make fuzz-replay` builds every target this way with the
// project's own compiler and library, so that make test replays the seeds
// and every input that once crashed (tests/fuzz-regressions/NAME/) even on a
// machine without clang.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

int main(int argc, char** argv) {
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    int n = 0;
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "%s: cannot read %s\n", argv[0], argv[i]);
            return 1;
        }
        const std::vector<std::uint8_t> data{std::istreambuf_iterator<char>(in), {}};
        LLVMFuzzerTestOneInput(data.data(), data.size());
        ++n;
    }
    std::printf("%s: %d input(s) ran\n", argv[0], n);
    return 0;
}
