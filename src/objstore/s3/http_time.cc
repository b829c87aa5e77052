#include "objstore/s3/http_time.h"

#include <fmt/format.h>

#include <array>
#include <utility>

namespace strata::s3 {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kWeekdays = {"Thu", "Fri", "Sat", "Sun",
                                                       "Mon", "Tue", "Wed"};  // from 1970-01-01
constexpr int64_t kMsPerDay = 86'400'000;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year, month, day;
};

Civil CivilFromDays(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (m <= 2), m, d};
}

int64_t DaysInMonth(int64_t y, int64_t m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[static_cast<size_t>(m - 1)];
}

// Consumes exactly `n` decimal digits from the front of `text`.
std::optional<int64_t> Digits(std::string_view& text, size_t n) {
  if (text.size() < n) return std::nullopt;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  text.remove_prefix(n);
  return v;
}

bool Literal(std::string_view& text, std::string_view lit) {
  if (!text.starts_with(lit)) return false;
  text.remove_prefix(lit.size());
  return true;
}

// "HH:MM:SS" from the front of `text`, as {hours, minutes, seconds}.
std::optional<std::array<int64_t, 3>> ClockTime(std::string_view& text) {
  auto h = Digits(text, 2);
  if (!h || !Literal(text, ":")) return std::nullopt;
  auto mi = Digits(text, 2);
  if (!mi || !Literal(text, ":")) return std::nullopt;
  auto s = Digits(text, 2);
  if (!s) return std::nullopt;
  return std::array<int64_t, 3>{*h, *mi, *s};
}

// Whole days since the epoch (rounded down) and the ms into that day.
std::pair<int64_t, int64_t> SplitDays(int64_t ms) {
  int64_t days = ms >= 0 ? ms / kMsPerDay : (ms - kMsPerDay + 1) / kMsPerDay;
  return {days, ms - days * kMsPerDay};
}

std::optional<int64_t> ToMs(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s) {
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) || h > 23 || mi > 59 ||
      s > 60)
    return std::nullopt;
  return DaysFromCivil(y, mo, d) * kMsPerDay + ((h * 60 + mi) * 60 + s) * 1000;
}

}  // namespace

std::optional<int64_t> ParseIso8601Ms(std::string_view text) {
  auto y = Digits(text, 4);
  if (!y || !Literal(text, "-")) return std::nullopt;
  auto mo = Digits(text, 2);
  if (!mo || !Literal(text, "-")) return std::nullopt;
  auto d = Digits(text, 2);
  if (!d || !Literal(text, "T")) return std::nullopt;
  auto hms = ClockTime(text);
  if (!hms) return std::nullopt;
  int64_t ms = 0;
  if (Literal(text, ".")) {
    // Any number of fraction digits (at least one); the first three are the milliseconds.
    size_t n = 0;
    while (n < text.size() && text[n] >= '0' && text[n] <= '9') ++n;
    if (n == 0) return std::nullopt;
    for (size_t i = 0; i < 3; ++i) ms = ms * 10 + (i < n ? text[i] - '0' : 0);
    text.remove_prefix(n);
  }
  if (text != "Z") return std::nullopt;
  auto base = ToMs(*y, *mo, *d, (*hms)[0], (*hms)[1], (*hms)[2]);
  if (!base) return std::nullopt;
  return *base + ms;
}

std::string FormatIso8601Ms(int64_t ms) {
  auto [days, in_day] = SplitDays(ms);
  Civil c = CivilFromDays(days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", c.year, c.month, c.day,
                     in_day / 3'600'000, in_day / 60'000 % 60, in_day / 1000 % 60, in_day % 1000);
}

std::optional<int64_t> ParseHttpDateMs(std::string_view text) {
  if (text.size() < 5 || text[3] != ',' || text[4] != ' ') return std::nullopt;
  std::string_view weekday = text.substr(0, 3);
  text.remove_prefix(5);
  auto d = Digits(text, 2);
  if (!d || !Literal(text, " ") || text.size() < 4) return std::nullopt;
  int64_t mo = 0;
  for (size_t i = 0; i < kMonths.size(); ++i)
    if (text.starts_with(kMonths[i])) mo = static_cast<int64_t>(i) + 1;
  if (mo == 0) return std::nullopt;
  text.remove_prefix(3);
  if (!Literal(text, " ")) return std::nullopt;
  auto y = Digits(text, 4);
  if (!y || !Literal(text, " ")) return std::nullopt;
  auto hms = ClockTime(text);
  if (!hms || text != " GMT") return std::nullopt;
  auto ms = ToMs(*y, mo, *d, (*hms)[0], (*hms)[1], (*hms)[2]);
  if (!ms || kWeekdays[static_cast<size_t>(*ms / kMsPerDay % 7)] != weekday) return std::nullopt;
  return ms;
}

std::string FormatHttpDate(int64_t ms) {
  auto [days, in_day] = SplitDays(ms);
  Civil c = CivilFromDays(days);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
                     kWeekdays[static_cast<size_t>((days % 7 + 7) % 7)], c.day,
                     kMonths[static_cast<size_t>(c.month - 1)], c.year, in_day / 3'600'000,
                     in_day / 60'000 % 60, in_day / 1000 % 60);
}

}  // namespace strata::s3
