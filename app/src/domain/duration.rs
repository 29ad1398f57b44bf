//! The one duration parser of the workspace (pure; compiled into the WASM bundle too).
//!
//! Three dialects share it:
//! - [`parse_go`]: Go's `time.ParseDuration`, as the registry reads `maxWaitInQueue` and
//!   `metav1.Duration` fields: `300ms`, `-1.5h`, `2h45m`, `1µs`, `0`.
//! - [`is_kubernetes_duration`]: the API server's `format: duration` (go-openapi's
//!   `strfmt`): a Go duration, or the spelled-out form `3 days`, `2w`, `1 hour 30 min`.
//! - [`parse_setting`]: the console's own settings: a Go duration that is not negative,
//!   with `d` (24 h) as an extra unit, or plain whole seconds (`90`).
//!
//! Written by hand rather than taken from a crate: the one crate that ports Go's parser
//! (`go-parse-duration` 0.1.1, unmaintained since 2021) panics on `µs` (it indexes bytes by
//! character position) and its overflow bound is wrong (it rejects `2562047h`, which Go
//! accepts); `humantime` and `duration-str` parse other syntaxes (`1hour`, spaces between
//! parts, no fractions) and would accept what Go rejects. This is a line-for-line port of
//! Go 1.22's `time.ParseDuration` (same overflow rules, same float rounding of fractions).

use std::fmt;
use std::time::Duration;

/// A Go `time.Duration`: signed nanoseconds in an `i64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoDuration {
    pub nanos: i64,
}

impl GoDuration {
    pub fn is_negative(self) -> bool {
        self.nanos < 0
    }

    /// The duration as `std`'s, or `None` when it is negative.
    pub fn to_std(self) -> Option<Duration> {
        u64::try_from(self.nanos).ok().map(Duration::from_nanos)
    }
}

/// Why a text is not a duration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DurationError {
    Empty,
    /// Not a sequence of numbers with units (e.g. `h1`, `.s`).
    Invalid,
    /// A number without a unit after it (e.g. `5`, `1h30`).
    MissingUnit,
    UnknownUnit(String),
    /// Beyond what 64 bits of nanoseconds hold (about 292 years).
    Overflow,
    /// A console setting cannot be negative.
    Negative,
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Empty => write!(f, "empty"),
            DurationError::Invalid => write!(f, "not a number followed by a unit"),
            DurationError::MissingUnit => write!(f, "a number has no unit"),
            DurationError::UnknownUnit(unit) => write!(f, "unknown unit `{unit}`"),
            DurationError::Overflow => write!(f, "too long"),
            DurationError::Negative => write!(f, "negative"),
        }
    }
}

impl std::error::Error for DurationError {}

const NANOS_PER_SECOND: u64 = 1_000_000_000;
const NANOS_PER_DAY: u64 = 86_400 * NANOS_PER_SECOND;
/// 2⁶³: one past `i64::MAX`, which only a negative duration may reach.
const LIMIT: u64 = 1 << 63;

/// Go's units; `µs` is U+00B5 (micro sign), `μs` U+03BC (Greek mu), both as Go has them.
fn go_unit(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => NANOS_PER_SECOND,
        "m" => 60 * NANOS_PER_SECOND,
        "h" => 3_600 * NANOS_PER_SECOND,
        _ => return None,
    })
}

/// Parses a duration as Go's `time.ParseDuration` does.
pub fn parse_go(text: &str) -> Result<GoDuration, DurationError> {
    parse_with_units(text, go_unit)
}

/// The console's settings: Go's syntax plus `d` (24 h), or plain whole seconds; never
/// negative. Surrounding whitespace is ignored.
pub fn parse_setting(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // Bounded as Go's durations are (about 292 years), so any deadline can be added
        // to the current time.
        return text
            .parse::<u64>()
            .ok()
            .filter(|seconds| {
                seconds
                    .checked_mul(NANOS_PER_SECOND)
                    .is_some_and(|nanos| nanos < LIMIT)
            })
            .map(Duration::from_secs)
            .ok_or(DurationError::Overflow);
    }
    let unit = |u: &str| match u {
        "d" => Some(NANOS_PER_DAY),
        _ => go_unit(u),
    };
    parse_with_units(text, unit)?
        .to_std()
        .ok_or(DurationError::Negative)
}

/// Whether the API server accepts `text` for a schema's `format: duration`: a Go duration,
/// or numbers each followed by a spelled-out unit (`3 days`, `2w`, `1 hour 30 min`).
pub fn is_kubernetes_duration(text: &str) -> bool {
    parse_go(text).is_ok() || is_spelled_out(text)
}

/// go-openapi's units beyond Go's own.
const SPELLED_UNITS: &[&str] = &[
    "ns",
    "nanosecond",
    "nanoseconds",
    "us",
    "µs",
    "μs",
    "microsecond",
    "microseconds",
    "ms",
    "millisecond",
    "milliseconds",
    "s",
    "sec",
    "secs",
    "second",
    "seconds",
    "m",
    "min",
    "mins",
    "minute",
    "minutes",
    "h",
    "hr",
    "hrs",
    "hour",
    "hours",
    "d",
    "day",
    "days",
    "w",
    "wk",
    "week",
    "weeks",
];

/// `^\s*(\d+\s*UNIT\s*)+$`: whole numbers, each with a unit, spaces allowed around both.
fn is_spelled_out(text: &str) -> bool {
    let mut rest = text.trim_start();
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return false;
        }
        rest = rest[digits..].trim_start();
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c.is_whitespace())
            .unwrap_or(rest.len());
        if !SPELLED_UNITS.contains(&&rest[..unit_len]) {
            return false;
        }
        rest = rest[unit_len..].trim_start();
    }
    true
}

/// Go's `time.ParseDuration` with a choice of units: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`.
fn parse_with_units(
    text: &str,
    units: impl Fn(&str) -> Option<u64>,
) -> Result<GoDuration, DurationError> {
    let mut s = text;
    let negative = s.starts_with('-');
    if let Some(rest) = s.strip_prefix(['-', '+']) {
        s = rest;
    }
    if s == "0" {
        return Ok(GoDuration { nanos: 0 });
    }
    if s.is_empty() {
        return Err(if text.is_empty() {
            DurationError::Empty
        } else {
            DurationError::Invalid
        });
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(DurationError::Invalid);
        }
        let before = s.len();
        let (mut value, rest) = leading_int(s)?;
        s = rest;
        let whole_digits = before != s.len();
        let (mut fraction, mut scale, mut fraction_digits) = (0, 1.0, false);
        if let Some(rest) = s.strip_prefix('.') {
            let before = rest.len();
            (fraction, scale, s) = leading_fraction(rest);
            fraction_digits = before != s.len();
        }
        if !whole_digits && !fraction_digits {
            return Err(DurationError::Invalid);
        }
        let unit_len = s
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(s.len());
        if unit_len == 0 {
            return Err(DurationError::MissingUnit);
        }
        let (unit_text, rest) = s.split_at(unit_len);
        s = rest;
        let unit = units(unit_text).ok_or_else(|| DurationError::UnknownUnit(unit_text.into()))?;
        if value > LIMIT / unit {
            return Err(DurationError::Overflow);
        }
        value *= unit;
        if fraction > 0 {
            // As Go: f64 keeps fractions of hours exact to the nanosecond.
            value += (fraction as f64 * (unit as f64 / scale)) as u64;
            if value > LIMIT {
                return Err(DurationError::Overflow);
            }
        }
        total += value;
        if total > LIMIT {
            return Err(DurationError::Overflow);
        }
    }
    let nanos = if negative {
        // -2⁶³ is the one value whose magnitude does not fit in an i64.
        0i64.checked_sub_unsigned(total)
    } else {
        i64::try_from(total).ok()
    };
    nanos
        .map(|nanos| GoDuration { nanos })
        .ok_or(DurationError::Overflow)
}

/// Leading `[0-9]*` as a number of at most 2⁶³.
fn leading_int(s: &str) -> Result<(u64, &str), DurationError> {
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let mut x: u64 = 0;
    for b in s[..digits].bytes() {
        if x > LIMIT / 10 {
            return Err(DurationError::Overflow);
        }
        x = x * 10 + u64::from(b - b'0');
        if x > LIMIT {
            return Err(DurationError::Overflow);
        }
    }
    Ok((x, &s[digits..]))
}

/// Leading `[0-9]*` after a decimal point: the digits as a number and 10^count. Digits
/// beyond 63 bits of precision are consumed and ignored, as Go does.
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let digits = s.len() - s.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (mut x, mut scale, mut overflow) = (0u64, 1.0f64, false);
    for b in s[..digits].bytes() {
        if overflow {
            continue;
        }
        if x > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let y = x * 10 + u64::from(b - b'0');
        if y > LIMIT {
            overflow = true;
            continue;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, &s[digits..])
}

/// A setting's duration as the shortest text [`parse_setting`] reads back: `30m`, `12h`,
/// `1d`, `1h30m`, `1s500ms`, `0s`.
pub fn format_setting(duration: Duration) -> String {
    const PARTS: &[(&str, u128)] = &[
        ("d", NANOS_PER_DAY as u128),
        ("h", 3_600 * NANOS_PER_SECOND as u128),
        ("m", 60 * NANOS_PER_SECOND as u128),
        ("s", NANOS_PER_SECOND as u128),
        ("ms", 1_000_000),
        ("us", 1_000),
        ("ns", 1),
    ];
    let mut rest = duration.as_nanos();
    if rest == 0 {
        return "0s".to_string();
    }
    let mut out = String::new();
    for (unit, size) in PARTS {
        let count = rest / size;
        if count > 0 {
            out.push_str(&format!("{count}{unit}"));
            rest %= size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(text: &str) -> Result<i64, DurationError> {
        parse_go(text).map(|d| d.nanos)
    }

    const S: i64 = 1_000_000_000;

    #[test]
    fn go_durations_parse_as_go_does() {
        // Cases from Go's own time_test.go.
        for (text, nanos) in [
            ("0", 0),
            ("5s", 5 * S),
            ("30s", 30 * S),
            ("1478s", 1478 * S),
            ("-5s", -5 * S),
            ("+5s", 5 * S),
            ("-0", 0),
            ("+0", 0),
            ("5.0s", 5 * S),
            ("5.6s", 5 * S + 600_000_000),
            ("5.s", 5 * S),
            (".5s", S / 2),
            ("1.0s", S),
            ("1.00s", S),
            ("1.004s", S + 4_000_000),
            ("1.0040s", S + 4_000_000),
            ("100.00100s", 100 * S + 1_000_000),
            ("10ns", 10),
            ("11us", 11_000),
            ("12µs", 12_000),
            ("12μs", 12_000),
            ("13ms", 13_000_000),
            ("14s", 14 * S),
            ("15m", 15 * 60 * S),
            ("16h", 16 * 3600 * S),
            ("3h30m", (3 * 3600 + 30 * 60) * S),
            ("10.5s4m", 4 * 60 * S + 10 * S + S / 2),
            ("-2m3.4s", -(2 * 60 * S + 3 * S + 400_000_000)),
            ("1h2m3s4ms5us6ns", 3_723_004_005_006),
            ("39h9m14.425s", 140_954_425_000_000),
            ("52763797000ns", 52_763_797_000),
            ("0.3333333333333333333h", 20 * 60 * S),
            ("9007199254740993ns", 9_007_199_254_740_993),
            ("9223372036854775807ns", i64::MAX),
            ("9223372036854775.807us", i64::MAX),
            ("9223372036s854ms775us807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("-9223372036854775.808us", i64::MIN),
            ("-2562047h47m16.854775808s", i64::MIN),
            ("2562047h", 2_562_047 * 3600 * S),
            ("0.100000000000000000000h", 6 * 60 * S),
            (
                "0.830103483285477580700h",
                49 * 60 * S + 48 * S + 372_539_827,
            ),
        ] {
            assert_eq!(go(text), Ok(nanos), "{text}");
        }
    }

    #[test]
    fn invalid_go_durations_are_refused() {
        for (text, error) in [
            ("", DurationError::Empty),
            ("3", DurationError::MissingUnit),
            ("-", DurationError::Invalid),
            ("s", DurationError::Invalid),
            (".", DurationError::Invalid),
            ("-.", DurationError::Invalid),
            (".s", DurationError::Invalid),
            ("+.s", DurationError::Invalid),
            ("1h30", DurationError::MissingUnit),
            ("h1", DurationError::Invalid),
            ("1d", DurationError::UnknownUnit("d".into())),
            ("1 h", DurationError::UnknownUnit(" h".into())),
            ("1H", DurationError::UnknownUnit("H".into())),
            ("9223372036854775808ns", DurationError::Overflow),
            ("9223372036854775.808us", DurationError::Overflow),
            ("-9223372036854775809ns", DurationError::Overflow),
            ("2562048h", DurationError::Overflow),
            ("3000000h", DurationError::Overflow),
        ] {
            assert_eq!(go(text), Err(error), "{text}");
        }
    }

    #[test]
    fn go_durations_convert_to_std_when_not_negative() {
        assert_eq!(
            parse_go("1.5h").map(GoDuration::to_std),
            Ok(Some(Duration::from_secs(5400)))
        );
        assert_eq!(parse_go("-1s").map(GoDuration::to_std), Ok(None));
        assert!(parse_go("-1s").is_ok_and(GoDuration::is_negative));
    }

    #[test]
    fn kubernetes_durations_add_the_spelled_out_form() {
        for good in [
            "0",
            "1h30m",
            "1.5h",
            "500ms",
            "-5m",
            "3 days",
            "2w",
            "1h 30m",
            " 1 hour 30 min ",
            "1wk2d",
            "10 seconds",
            "1µs",
        ] {
            assert!(is_kubernetes_duration(good), "{good}");
        }
        for bad in [
            "",
            " ",
            "5",
            "1 fortnight",
            "h1",
            "1h30",
            "days",
            "1.5 days",
            "-3 days",
            "1 Days",
            "1h-30m",
        ] {
            assert!(!is_kubernetes_duration(bad), "{bad}");
        }
    }

    #[test]
    fn settings_take_go_durations_days_and_plain_seconds() {
        for (text, seconds) in [
            ("90", 90),
            ("90s", 90),
            ("30m", 1800),
            ("12h", 43_200),
            ("1d", 86_400),
            ("1d12h", 129_600),
            ("1.5d", 129_600),
            ("1h30m", 5400),
            (" 15s ", 15),
            ("0", 0),
            ("+1m", 60),
        ] {
            assert_eq!(
                parse_setting(text),
                Ok(Duration::from_secs(seconds)),
                "{text}"
            );
        }
        assert_eq!(parse_setting("500ms"), Ok(Duration::from_millis(500)));
        for (text, error) in [
            ("", DurationError::Empty),
            ("-5s", DurationError::Negative),
            ("5 minutes", DurationError::UnknownUnit(" minutes".into())),
            ("1w", DurationError::UnknownUnit("w".into())),
            ("1.5", DurationError::MissingUnit),
            ("soon", DurationError::Invalid),
            ("99999999999999999999", DurationError::Overflow),
            ("9223372037", DurationError::Overflow),
            ("200000000d", DurationError::Overflow),
        ] {
            assert_eq!(parse_setting(text), Err(error), "{text}");
        }
    }

    #[test]
    fn formatted_settings_read_back() {
        for (seconds, text) in [
            (0, "0s"),
            (90, "1m30s"),
            (1800, "30m"),
            (43_200, "12h"),
            (86_400, "1d"),
            (129_600, "1d12h"),
        ] {
            let duration = Duration::from_secs(seconds);
            assert_eq!(format_setting(duration), text);
            assert_eq!(parse_setting(text), Ok(duration));
        }
        let odd = Duration::new(3_723, 4_005_006);
        assert_eq!(format_setting(odd), "1h2m3s4ms5us6ns");
        assert_eq!(parse_setting(&format_setting(odd)), Ok(odd));
    }
}
