#include "app/program.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>

#include "app/stats.hpp"
#include "base/err_out.hpp"
#include "base/log.hpp"

namespace app {

Program::Program(std::string name) : name_(std::move(name)) {
    on_signal([](int sig) { std::_Exit(128 + sig); });
    signals_.on_info([this] { print_stats(); });
}

po::variables_map Program::parse(int argc, char** argv, const po::options_description& desc,
                                 const po::positional_options_description* pos,
                                 const std::string& usage) {
    auto vm = parse_command_line(name_, argc, argv, desc, pos, usage);
    std::lock_guard lk(mu_);  // the signal thread reads it
    stats_ = vm.count("stats") && vm["stats"].as<bool>();
    return vm;
}

void Program::print_stats() {
    std::lock_guard lk(mu_);
    if (stats_ && stack_) app::print_stats(*stack_, logx::err());
}

void Program::fail(std::string_view msg, int code) {
    {
        std::lock_guard lk(mu_);
        if (stack_) stack_->shutdown();
    }
    logx::err() << name_ << ": " << msg << std::endl;
    std::exit(code);
}

stack::Stack& Program::open(stack::StackOptions opts) {
    std::unique_ptr<stack::Stack> st;
    try {
        st = stack::Stack::open(std::move(opts));
    } catch (const stack::StackError& e) {
        logx::err() << name_ << ": " << e.what() << std::endl;
        std::exit(1);
    }
    std::lock_guard lk(mu_);
    stack_ = std::move(st);
    return *stack_;
}

void Program::ready() {
    std::lock_guard lk(mu_);
    if (stack_) stack_->announce();
}

void Program::on_signal(std::function<void(int)> fn) {
    signals_.on_signal([this, fn = std::move(fn)](int sig) {
        LOG(app, info) << "stopping (" << sigabbrev_np(sig) << ")";
        {
            std::lock_guard lk(mu_);
            if (stack_) stack_->shutdown();
        }
        if (fn) fn(sig);
    });
}

void Program::close_stack() {
    std::unique_ptr<stack::Stack> st;
    {
        std::lock_guard lk(mu_);
        st = std::move(stack_);
    }
    st.reset();  // shutdown() in the destructor, outside the lock
}

}  // namespace app
