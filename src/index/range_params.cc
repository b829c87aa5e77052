#include "index/range_params.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace strata {
namespace {

Result<float> NumberParam(const nlohmann::json& value, const char* name) {
  double number = 0;
  bool ok = false;
  if (value.is_number()) {
    number = value.get<double>();
    ok = true;
  } else if (value.is_string()) {
    // Flattened search params arrive as text ("0.5").
    const std::string& text = value.get_ref<const std::string&>();
    char* end = nullptr;
    number = std::strtod(text.c_str(), &end);
    ok = !text.empty() && end == text.c_str() + text.size();
  }
  if (!ok || !std::isfinite(number) || std::fabs(number) > std::numeric_limits<float>::max()) {
    return InvalidArgument(fmt::format("{} must be a finite number, got {}", name, value.dump()));
  }
  return static_cast<float>(number);
}

}  // namespace

Status CheckRangeParams(const RangeParams& range, MetricType metric) {
  if (!std::isfinite(range.radius)) return InvalidArgument("radius must be a finite number");
  if (!range.range_filter.has_value()) return Status::Ok();
  float rf = *range.range_filter;
  if (!std::isfinite(rf)) return InvalidArgument("range_filter must be a finite number");
  if (HigherIsCloser(metric) && !(rf > range.radius)) {
    return InvalidArgument(fmt::format(
        "range_filter must be greater than radius for metric {} (a similarity): got radius {}, "
        "range_filter {}",
        MetricTypeName(metric), range.radius, rf));
  }
  if (!HigherIsCloser(metric) && !(rf < range.radius)) {
    return InvalidArgument(fmt::format(
        "range_filter must be less than radius for metric {} (a distance): got radius {}, "
        "range_filter {}",
        MetricTypeName(metric), range.radius, rf));
  }
  return Status::Ok();
}

Result<std::optional<RangeParams>> ParseRangeParams(const nlohmann::json& search_params,
                                                    MetricType metric) {
  if (!search_params.is_object()) return std::optional<RangeParams>();
  bool has_radius = search_params.contains("radius");
  bool has_filter = search_params.contains("range_filter");
  if (!has_radius) {
    if (has_filter) return InvalidArgument("range_filter needs radius (range search)");
    return std::optional<RangeParams>();
  }
  RangeParams range;
  ASSIGN_OR_RETURN(range.radius, NumberParam(search_params["radius"], "radius"));
  if (has_filter) {
    ASSIGN_OR_RETURN(range.range_filter,
                     NumberParam(search_params["range_filter"], "range_filter"));
  }
  RETURN_IF_ERROR(CheckRangeParams(range, metric));
  return std::optional<RangeParams>(range);
}

KeyBounds RangeKeyBounds(const RangeParams& range, MetricType metric) {
  bool higher = HigherIsCloser(metric);
  float outer = higher ? -range.radius : range.radius;
  KeyBounds bounds;
  bounds.hi = std::nextafter(outer, -std::numeric_limits<float>::infinity());
  bounds.lo = range.range_filter.has_value() ? (higher ? -*range.range_filter : *range.range_filter)
                                             : -std::numeric_limits<float>::infinity();
  return bounds;
}

}  // namespace strata
