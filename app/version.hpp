// The one version string of every program (`NAME --version` prints
// "NAME (ustack) VERSION"). Raise it here when a release changes what the
// programs do.
#pragma once

namespace app {

inline constexpr const char* kVersion = "0.9.0";

}  // namespace app
