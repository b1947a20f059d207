#include "tcp/congestion.hpp"

#include "tcp/cubic.hpp"
#include "tcp/highspeed.hpp"
#include "tcp/newreno.hpp"

namespace tcp {

std::unique_ptr<CongestionControl> make_congestion_control(std::string_view name,
                                                           std::uint32_t smss) {
    if (name == "newreno") return std::make_unique<NewReno>(smss);
    if (name == "cubic") return std::make_unique<Cubic>(smss);
    if (name == "highspeed") return std::make_unique<HighSpeed>(smss);
    return nullptr;
}

}  // namespace tcp
