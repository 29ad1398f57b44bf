//! The registry's Prometheus metrics (guide §5.5) as the Overview charts them: samples
//! taken over a short window, turned into series. Pure: the server parses the text format
//! and keeps the window.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What one read of `/extensions/v2/metrics` said, at `at` (Unix seconds).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricsSample {
    pub at: i64,
    /// `imageregistry_http_requests_total`, summed per method.
    pub requests: BTreeMap<String, f64>,
    /// `imageregistry_http_request_duration_seconds` quantiles: (method, quantile) → seconds.
    pub latency: BTreeMap<(String, String), f64>,
    pub in_flight: f64,
    /// `imageregistry_digest_cache_requests_total`: hits and misses; `None` when the
    /// registry does not report it (upstream distribution has no digest cache).
    pub digest_cache: Option<(f64, f64)>,
    /// `imageregistry_digest_cache_scoped_requests_total`: hits and misses, or `None`.
    pub digest_cache_scoped: Option<(f64, f64)>,
    /// `imageregistry_http_requests_total` with a 5xx code, summed.
    #[serde(default)]
    pub server_errors: f64,
}

/// Over the window: the share of 5xx answers in percent (`None` without requests, or
/// across a restart of the counters), and the slowest method's p99 in the newest sample.
pub fn health(samples: &[MetricsSample]) -> (Option<f64>, Option<f64>) {
    let total = |s: &MetricsSample| s.requests.values().sum::<f64>();
    let share = match (samples.first(), samples.last()) {
        (Some(first), Some(last)) if samples.len() > 1 => {
            let requests = total(last) - total(first);
            let errors = last.server_errors - first.server_errors;
            (requests > 0.0 && errors >= 0.0).then(|| errors / requests * 100.0)
        }
        _ => None,
    };
    let p99 = samples.last().and_then(|s| {
        s.latency
            .iter()
            .filter(|((_, q), v)| {
                q.parse::<f64>().is_ok_and(|q| (q - 0.99).abs() < 1e-9) && v.is_finite()
            })
            .map(|(_, v)| *v)
            .reduce(f64::max)
    });
    (share, p99)
}

/// One line of a chart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub label: String,
    /// (Unix seconds, value).
    pub points: Vec<(i64, f64)>,
}

/// What a chart shows, with the catalogue keys of its title and unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChartKind {
    RequestRate,
    Latency,
    InFlight,
    DigestCacheHitRatio,
}

impl ChartKind {
    pub fn id(self) -> &'static str {
        match self {
            ChartKind::RequestRate => "request-rate",
            ChartKind::Latency => "latency",
            ChartKind::InFlight => "in-flight",
            ChartKind::DigestCacheHitRatio => "digest-cache",
        }
    }

    pub fn title_key(self) -> &'static str {
        match self {
            ChartKind::RequestRate => "metrics.chart.request_rate",
            ChartKind::Latency => "metrics.chart.latency",
            ChartKind::InFlight => "metrics.chart.in_flight",
            ChartKind::DigestCacheHitRatio => "metrics.chart.digest_cache",
        }
    }

    /// How a value reads, with its unit.
    pub fn format(self, value: f64) -> String {
        match self {
            ChartKind::RequestRate => format!("{value:.2}/s"),
            ChartKind::Latency => format!("{:.1} ms", value * 1_000.0),
            ChartKind::InFlight => format!("{value:.0}"),
            ChartKind::DigestCacheHitRatio => format!("{:.1} %", value * 100.0),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    pub kind: ChartKind,
    pub series: Vec<Series>,
    /// No sample holds the chart's metric at all: the registry does not report it (not
    /// "no data yet").
    #[serde(default)]
    pub unreported: bool,
}

/// The metrics panel: the window's charts, and how many samples it holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MetricsView {
    pub samples: usize,
    /// Seconds between reads.
    pub interval_seconds: u64,
    pub charts: Vec<Chart>,
    /// `imageregistry_build_info`'s gitVersion, when the registry gave it.
    pub version: Option<String>,
    /// See [`health`].
    #[serde(default)]
    pub error_percent: Option<f64>,
    #[serde(default)]
    pub p99_seconds: Option<f64>,
}

/// The charts of a window of samples (oldest first). Rates are per interval between
/// consecutive samples; a counter that went down (a registry restart) gives no point for
/// that interval rather than a negative rate.
pub fn charts(samples: &[MetricsSample]) -> Vec<Chart> {
    let mut rates: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for pair in samples.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let seconds = (after.at - before.at) as f64;
        if seconds <= 0.0 {
            continue;
        }
        for (method, total) in &after.requests {
            let Some(earlier) = before.requests.get(method) else {
                continue;
            };
            if total >= earlier {
                rates
                    .entry(method.clone())
                    .or_default()
                    .push((after.at, (total - earlier) / seconds));
            }
        }
    }
    let mut latency: BTreeMap<String, Vec<(i64, f64)>> = BTreeMap::new();
    for sample in samples {
        for ((method, quantile), seconds) in &sample.latency {
            if seconds.is_finite() {
                latency
                    .entry(format!("{method} p{}", quantile_label(quantile)))
                    .or_default()
                    .push((sample.at, *seconds));
            }
        }
    }
    let ratio = |(hit, miss): (f64, f64)| (hit + miss > 0.0).then(|| hit / (hit + miss));
    let ratio_series = |label: &str, pick: fn(&MetricsSample) -> Option<(f64, f64)>| Series {
        label: label.into(),
        points: samples
            .iter()
            .filter_map(|s| pick(s).and_then(ratio).map(|r| (s.at, r)))
            .collect(),
    };
    let digest_cache_unreported = !samples.is_empty()
        && samples
            .iter()
            .all(|s| s.digest_cache.is_none() && s.digest_cache_scoped.is_none());
    let series = |map: BTreeMap<String, Vec<(i64, f64)>>| {
        map.into_iter()
            .map(|(label, points)| Series { label, points })
            .collect()
    };
    vec![
        Chart {
            kind: ChartKind::RequestRate,
            series: series(rates),
            unreported: false,
        },
        Chart {
            kind: ChartKind::Latency,
            series: series(latency),
            unreported: false,
        },
        Chart {
            kind: ChartKind::InFlight,
            series: vec![Series {
                label: "in-flight".into(),
                points: samples.iter().map(|s| (s.at, s.in_flight)).collect(),
            }],
            unreported: false,
        },
        Chart {
            kind: ChartKind::DigestCacheHitRatio,
            series: vec![
                ratio_series("unscoped", |s| s.digest_cache),
                ratio_series("scoped", |s| s.digest_cache_scoped),
            ],
            unreported: digest_cache_unreported,
        },
    ]
}

/// `0.99` → `99`, `0.5` → `50`.
fn quantile_label(quantile: &str) -> String {
    quantile
        .parse::<f64>()
        .map(|q| format!("{}", (q * 1000.0).round() / 10.0))
        .unwrap_or_else(|_| quantile.to_string())
}

/// Where a chart's points go in an SVG of `width` × `height` (y grows downwards), with the
/// value range it spans: from 0 (or the lowest value, if negative) to the highest.
pub fn plot(chart: &Chart, width: f64, height: f64) -> (Vec<Vec<(f64, f64)>>, f64) {
    let points = chart.series.iter().flat_map(|s| s.points.iter());
    let (mut first, mut last, mut top) = (i64::MAX, i64::MIN, 0.0f64);
    for (at, value) in points {
        first = first.min(*at);
        last = last.max(*at);
        top = top.max(*value);
    }
    if first > last {
        return (chart.series.iter().map(|_| Vec::new()).collect(), 1.0);
    }
    let span = last.saturating_sub(first).max(1) as f64;
    let top = if top > 0.0 { top } else { 1.0 };
    let placed = chart
        .series
        .iter()
        .map(|s| {
            s.points
                .iter()
                .map(|(at, value)| {
                    (
                        (*at - first) as f64 / span * width,
                        height - (value / top).clamp(0.0, 1.0) * height,
                    )
                })
                .collect()
        })
        .collect();
    (placed, top)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: i64, gets: f64) -> MetricsSample {
        MetricsSample {
            at,
            requests: BTreeMap::from([("get".to_string(), gets)]),
            latency: BTreeMap::from([(("get".to_string(), "0.99".to_string()), 0.016)]),
            in_flight: 1.0,
            digest_cache: Some((3.0, 1.0)),
            digest_cache_scoped: Some((0.0, 0.0)),
            server_errors: 0.0,
        }
    }

    #[test]
    fn rates_come_from_consecutive_samples_and_skip_restarts() {
        let charts = charts(&[
            sample(0, 10.0),
            sample(10, 30.0),
            sample(20, 5.0),
            sample(30, 15.0),
        ]);
        let rate = &charts[0];
        assert_eq!(rate.kind, ChartKind::RequestRate);
        assert_eq!(rate.series[0].label, "get");
        // 10→30 over 10 s; 30→5 is a restart (no point); 5→15 over 10 s.
        assert_eq!(rate.series[0].points, [(10, 2.0), (30, 1.0)]);
        assert_eq!(charts[1].series[0].label, "get p99");
        // 3 hits of 4; no scoped requests at all gives no point rather than 0 or NaN.
        assert_eq!(charts[3].series[0].points[0], (0, 0.75));
        assert!(charts[3].series[1].points.is_empty());
        assert!(!charts[3].unreported);
    }

    #[test]
    fn a_registry_without_a_digest_cache_says_so() {
        let upstream = MetricsSample {
            digest_cache: None,
            digest_cache_scoped: None,
            ..sample(0, 10.0)
        };
        assert!(charts(std::slice::from_ref(&upstream))[3].unreported);
        assert!(!charts(&[upstream, sample(10, 20.0)])[3].unreported);
        assert!(!charts(&[])[3].unreported, "no sample says nothing yet");
    }

    #[test]
    fn the_error_share_and_p99_come_from_the_window() {
        let mut later = sample(10, 110.0);
        later.server_errors = 5.0;
        assert_eq!(
            health(&[sample(0, 10.0), later.clone()]),
            (Some(5.0), Some(0.016))
        );
        assert_eq!(health(&[later]).0, None, "one sample is no share");
    }

    #[test]
    fn one_sample_has_no_rate_yet() {
        let charts = charts(&[sample(0, 10.0)]);
        assert!(charts[0].series.is_empty());
        assert_eq!(charts[2].series[0].points, [(0, 1.0)]);
    }

    #[test]
    fn points_fit_the_plot() {
        let chart = Chart {
            kind: ChartKind::InFlight,
            series: vec![Series {
                label: "x".into(),
                points: vec![(0, 0.0), (5, 2.0), (10, 4.0)],
            }],
            unreported: false,
        };
        let (placed, top) = plot(&chart, 100.0, 50.0);
        assert_eq!(top, 4.0);
        assert_eq!(placed[0], [(0.0, 50.0), (50.0, 25.0), (100.0, 0.0)]);
        assert_eq!(ChartKind::Latency.format(0.0125), "12.5 ms");
        let empty = Chart {
            kind: ChartKind::RequestRate,
            series: vec![Series {
                label: "get".into(),
                points: Vec::new(),
            }],
            unreported: false,
        };
        assert_eq!(plot(&empty, 100.0, 50.0), (vec![Vec::new()], 1.0));
        assert_eq!(ChartKind::DigestCacheHitRatio.format(0.75), "75.0 %");
    }
}
