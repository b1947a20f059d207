#include "base/err_out.hpp"

#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <streambuf>
#include <string>

namespace logx {

namespace {

thread_local bool t_defer = false;

// Held at most this long before a flush writes it anyway: a wake-up of a
// flood logs at debug without growing without bound.
constexpr std::size_t kHoldMax = 64 << 10;

class ErrBuf final : public std::streambuf {
public:
    void flush_all() {
        std::lock_guard lk(mu_);
        write_out();
    }

protected:
    int_type overflow(int_type c) override {
        if (c == traits_type::eof()) return traits_type::not_eof(c);
        std::lock_guard lk(mu_);
        pending_.push_back(traits_type::to_char_type(c));
        return c;
    }
    std::streamsize xsputn(const char* s, std::streamsize n) override {
        std::lock_guard lk(mu_);
        pending_.append(s, static_cast<std::size_t>(n));
        return n;
    }
    int sync() override {
        std::lock_guard lk(mu_);
        if (!t_defer || pending_.size() >= kHoldMax) write_out();
        return 0;
    }

private:
    void write_out() {  // mu_ held
        std::size_t done = 0;
        while (done < pending_.size()) {
            const ssize_t n = ::write(STDERR_FILENO, pending_.data() + done, pending_.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;  // stderr closed or full: the lines are lost, as they would be
            done += static_cast<std::size_t>(n);
        }
        pending_.clear();
    }

    std::mutex mu_;
    std::string pending_;
};

ErrBuf& buf() {
    static ErrBuf* b = new ErrBuf;  // never destroyed: threads may log during exit
    return *b;
}

}  // namespace

std::ostream& err() {
    static std::ostream* s = new std::ostream(&buf());
    return *s;
}

void defer_on_this_thread(bool on) {
    if (!on) buf().flush_all();
    t_defer = on;
}

void flush_err() { buf().flush_all(); }

}  // namespace logx
