// Builds the field-by-field header dumps of the debug logs (docs/design.md,
// rule 7): one line per field, the name right-aligned, then the
// value and how to read it, in the style of microps's logs:
//
//         offset: 0x4000 [flags=DF, offset=0]
//
// Callers build a dump only when the level is on (LOG_ENABLED), so none of
// this runs on a quiet packet path.
#pragma once
#include <cstdarg>
#include <cstdio>
#include <string>

namespace base {

class FieldDump {
public:
    // One line: `name: value`, the value printf-formatted (the compiler
    // checks the format against the arguments).
    __attribute__((format(printf, 3, 4))) FieldDump& add(const char* name, const char* fmt, ...) {
        char value[192];
        va_list ap;
        va_start(ap, fmt);
        std::vsnprintf(value, sizeof value, fmt, ap);
        va_end(ap);
        char line[224];
        std::snprintf(line, sizeof line, "%14s: %s", name, value);
        if (!text_.empty()) text_ += '\n';
        text_ += line;
        return *this;
    }
    // The lines joined by '\n', without a trailing newline (the log adds it).
    const std::string& str() const { return text_; }

private:
    std::string text_;
};

}  // namespace base
