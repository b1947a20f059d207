// The prologue every program that opens a stack shares (server, client,
// ping): exit signals taken before any thread exists, one name in every
// message, the command line parsed, the stack opened with one line on
// failure, and Ctrl-C or `kill` shutting the stack down (and with it the
// firewall table) before the program's own handler runs.
//
//   app::Program prog("server");                 // first thing in main()
//   const auto vm = prog.parse(argc, argv, desc, nullptr, "[options]");
//   stack::Stack& st = prog.open(prog.stack_options(vm, app::RawAddr::Listen));
//   ... prog.ready();                            // the firewall's info line
//   ... prog.print_stats();                      // --stats, at exit (and on SIGUSR1)
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "app/stack_cli.hpp"
#include "os/signals.hpp"
#include "stack/stack.hpp"

namespace app {

class Program {
public:
    explicit Program(std::string name);
    ~Program() { close_stack(); }
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;

    const std::string& name() const { return name_; }

    // Also notes --stats, if the program has it.
    po::variables_map parse(int argc, char** argv, const po::options_description& desc,
                            const po::positional_options_description* pos,
                            const std::string& usage);
    stack::StackOptions stack_options(const po::variables_map& vm, RawAddr raw_addr) const {
        return app::stack_options(vm, name_, raw_addr);
    }
    // "NAME: MSG (see --help)", exit 2.
    [[noreturn]] void usage_error(std::string_view msg) const { app::usage_error(name_, msg); }
    // "NAME: MSG", exit `code`; the stack is shut down first, so the firewall
    // table is gone and this is the last line.
    [[noreturn]] void fail(std::string_view msg, int code = 1);

    // Opens the stack (StackError: "NAME: why", exit 1). The stack lives
    // until close_stack() or the end of the program.
    stack::Stack& open(stack::StackOptions opts);
    // The program is up: the stack's start-up lines (the firewall guard)
    // are logged now, so a program that fails to start prints only its error.
    void ready();
    // Runs `fn(signo)` on the signal thread after the stack has been shut
    // down (every blocked call returns Err::Shutdown). Until a handler is
    // set, a signal shuts the stack down and exits with 128 + signo.
    void on_signal(std::function<void(int)> fn);
    // With --stats: the report of app/stats.hpp on stderr. The program
    // calls it at exit; SIGUSR1 calls it at any time and the program goes on.
    void print_stats();
    // Shuts the stack down and frees it (idempotent).
    void close_stack();

private:
    std::string name_;
    os::ExitSignals signals_;  // before the stack: no thread exists yet
    std::mutex mu_;            // guards stack_ against the signal thread
    std::unique_ptr<stack::Stack> stack_;
    bool stats_ = false;       // --stats given
};

}  // namespace app
