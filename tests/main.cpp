// The doctest entry point for the unit and sim rings.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "base/log.hpp"

int main(int argc, char** argv) {
    // Tests are quiet unless STACK_LOG=debug (or another level) is set.
    const char* lv = std::getenv("STACK_LOG");
    logx::init(lv ? logx::parse_level(lv).value_or(logx::Level::warning) : logx::Level::error);
    doctest::Context ctx;
    ctx.applyCommandLine(argc, argv);
    return ctx.run();
}
