//! The guide's metrics (§5.5, `imageregistry_*` at `/extensions/v2/metrics`) computed from
//! what the real registry counts. OpenShift's registry serves those names itself; Debian's
//! upstream registry (distribution 2.8) serves `registry_*` on its debug address instead.
//! Here each running registry pod's debug `/metrics` is read and turned into the guide's
//! names (pure):
//!
//! - `imageregistry_http_requests_total{code,method}`: `registry_http_requests_total`,
//!   summed over handlers and pods;
//! - `imageregistry_http_in_flight_requests`: `registry_http_in_flight_requests`, summed;
//! - `imageregistry_http_request_duration_seconds{method}` (a summary with the 0.5, 0.9 and
//!   0.99 quantiles): from `registry_http_request_duration_seconds`' buckets, merged over
//!   handlers and pods, interpolated within a bucket as Prometheus' `histogram_quantile`
//!   does;
//! - `imageregistry_build_info`: the registry's own version.
//!
//! The digest cache counters (`imageregistry_digest_cache_*`) have no upstream source (the
//! digest cache is OpenShift's): they are left out, and the Overview says there is no data.

use std::collections::BTreeMap;

/// The quantiles the guide's summary carries.
const QUANTILES: [f64; 3] = [0.5, 0.9, 0.99];

#[derive(Default)]
struct Totals {
    requests: BTreeMap<(String, String), f64>,
    in_flight: f64,
    /// method → upper bound (as written) → cumulative count.
    buckets: BTreeMap<String, BTreeMap<String, f64>>,
    sums: BTreeMap<String, f64>,
    counts: BTreeMap<String, f64>,
}

fn parse_bound(le: &str) -> f64 {
    if le == "+Inf" {
        f64::INFINITY
    } else {
        le.parse().unwrap_or(f64::INFINITY)
    }
}

/// The `q` quantile of cumulative `buckets` (upper bound → count), as `histogram_quantile`.
fn quantile(q: f64, buckets: &BTreeMap<String, f64>) -> f64 {
    let mut sorted: Vec<(f64, f64)> = buckets
        .iter()
        .map(|(le, count)| (parse_bound(le), *count))
        .collect();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let Some(&(_, total)) = sorted.last() else {
        return 0.0;
    };
    if total <= 0.0 {
        return 0.0;
    }
    let rank = q * total;
    let mut lower = (0.0, 0.0);
    for &(bound, count) in &sorted {
        if count >= rank {
            if bound.is_infinite() {
                // Beyond the last finite bound: that bound is the best estimate.
                return lower.0;
            }
            let in_bucket = count - lower.1;
            if in_bucket <= 0.0 {
                return bound;
            }
            return lower.0 + (bound - lower.0) * (rank - lower.1) / in_bucket;
        }
        lower = (bound, count);
    }
    lower.0
}

/// The guide's metrics text from the registry pods' own metrics texts.
pub fn translate(texts: &[String], version: &str) -> String {
    use prometheus_parse::{Scrape, Value};
    let mut totals = Totals::default();
    for text in texts {
        let Ok(scrape) = Scrape::parse(text.lines().map(|l| Ok(l.to_string()))) else {
            continue;
        };
        for sample in scrape.samples {
            let label = |name: &str| sample.labels.get(name).unwrap_or_default().to_string();
            match (sample.metric.as_str(), &sample.value) {
                ("registry_http_requests_total", Value::Counter(v) | Value::Untyped(v)) => {
                    *totals
                        .requests
                        .entry((label("code"), label("method")))
                        .or_default() += v;
                }
                ("registry_http_in_flight_requests", Value::Gauge(v) | Value::Untyped(v)) => {
                    totals.in_flight += v;
                }
                ("registry_http_request_duration_seconds", Value::Histogram(buckets)) => {
                    let merged = totals.buckets.entry(label("method")).or_default();
                    for bucket in buckets {
                        let le = if bucket.less_than.is_infinite() {
                            "+Inf".to_string()
                        } else {
                            bucket.less_than.to_string()
                        };
                        *merged.entry(le).or_default() += bucket.count;
                    }
                }
                (
                    "registry_http_request_duration_seconds_sum",
                    Value::Counter(v) | Value::Untyped(v) | Value::Gauge(v),
                ) => {
                    *totals.sums.entry(label("method")).or_default() += v;
                }
                (
                    "registry_http_request_duration_seconds_count",
                    Value::Counter(v) | Value::Untyped(v) | Value::Gauge(v),
                ) => {
                    *totals.counts.entry(label("method")).or_default() += v;
                }
                _ => {}
            }
        }
    }
    let (major, minor) = version
        .trim_start_matches('v')
        .split_once('.')
        .map(|(major, rest)| {
            (
                major.to_string(),
                rest.split('.').next().unwrap_or("").to_string(),
            )
        })
        .unwrap_or_default();
    let mut out = String::new();
    out.push_str("# HELP imageregistry_build_info A metric with a constant '1' value labeled by major, minor, git commit & git version from which the image registry was built.\n# TYPE imageregistry_build_info gauge\n");
    out.push_str(&format!(
        "imageregistry_build_info{{gitCommit=\"upstream\",gitVersion=\"{version}\",major=\"{major}\",minor=\"{minor}\"}} 1\n"
    ));
    out.push_str("# HELP imageregistry_http_in_flight_requests A gauge of requests currently being served by the registry.\n# TYPE imageregistry_http_in_flight_requests gauge\n");
    out.push_str(&format!(
        "imageregistry_http_in_flight_requests {}\n",
        totals.in_flight
    ));
    out.push_str("# HELP imageregistry_http_request_duration_seconds A histogram of latencies for requests to the registry.\n# TYPE imageregistry_http_request_duration_seconds summary\n");
    for (method, buckets) in &totals.buckets {
        for q in QUANTILES {
            out.push_str(&format!(
                "imageregistry_http_request_duration_seconds{{method=\"{method}\",quantile=\"{q}\"}} {}\n",
                quantile(q, buckets)
            ));
        }
        out.push_str(&format!(
            "imageregistry_http_request_duration_seconds_sum{{method=\"{method}\"}} {}\n",
            totals.sums.get(method).copied().unwrap_or_default()
        ));
        out.push_str(&format!(
            "imageregistry_http_request_duration_seconds_count{{method=\"{method}\"}} {}\n",
            totals.counts.get(method).copied().unwrap_or_default()
        ));
    }
    out.push_str("# HELP imageregistry_http_requests_total Total number of HTTP requests made.\n# TYPE imageregistry_http_requests_total counter\n");
    for ((code, method), count) in &totals.requests {
        out.push_str(&format!(
            "imageregistry_http_requests_total{{code=\"{code}\",method=\"{method}\"}} {count}\n"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Part of what docker-registry 2.8.2 served here after a push and a pull.
    const AFTER_PUSH: &str = r#"# HELP registry_http_in_flight_requests The in-flight HTTP requests
# TYPE registry_http_in_flight_requests gauge
registry_http_in_flight_requests{handler="base"} 0
registry_http_in_flight_requests{handler="blob"} 1
# HELP registry_http_request_duration_seconds The HTTP request latencies in seconds.
# TYPE registry_http_request_duration_seconds histogram
registry_http_request_duration_seconds_bucket{handler="blob",method="get",le="0.005"} 2
registry_http_request_duration_seconds_bucket{handler="blob",method="get",le="0.01"} 3
registry_http_request_duration_seconds_bucket{handler="blob",method="get",le="0.025"} 4
registry_http_request_duration_seconds_bucket{handler="blob",method="get",le="+Inf"} 4
registry_http_request_duration_seconds_sum{handler="blob",method="get"} 0.03
registry_http_request_duration_seconds_count{handler="blob",method="get"} 4
# HELP registry_http_requests_total Total number of HTTP requests made.
# TYPE registry_http_requests_total counter
registry_http_requests_total{code="200",handler="blob",method="get"} 4
registry_http_requests_total{code="201",handler="manifest",method="put"} 1
registry_http_requests_total{code="200",handler="base",method="get"} 3
"#;

    #[test]
    fn the_guides_names_come_from_the_registrys_counters() {
        let text = translate(
            &[AFTER_PUSH.to_string(), AFTER_PUSH.to_string()],
            "v2.8.2+ds1",
        );
        assert!(
            text.contains("imageregistry_http_requests_total{code=\"200\",method=\"get\"} 14"),
            "{text}"
        );
        assert!(
            text.contains("imageregistry_http_requests_total{code=\"201\",method=\"put\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("imageregistry_http_in_flight_requests 2"),
            "{text}"
        );
        assert!(
            text.contains("imageregistry_http_request_duration_seconds_count{method=\"get\"} 8"),
            "{text}"
        );
        assert!(
            text.contains("gitVersion=\"v2.8.2+ds1\",major=\"2\",minor=\"8\""),
            "{text}"
        );
        // Half of 8 requests took up to 5 ms: the median is at the first bucket's top.
        assert!(
            text.contains("{method=\"get\",quantile=\"0.5\"} 0.005\n"),
            "{text}"
        );
        assert!(!text.contains("digest_cache"), "no upstream source");
        // It reads as the registry's metrics do.
        let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
            .expect("parse");
        assert!(
            scrape
                .samples
                .iter()
                .any(|s| s.metric == "imageregistry_http_request_duration_seconds")
        );
    }

    #[test]
    fn quantiles_interpolate_within_their_bucket() {
        let buckets: BTreeMap<String, f64> = [("0.1", 50.0), ("0.2", 100.0), ("+Inf", 100.0)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        assert!((quantile(0.5, &buckets) - 0.1).abs() < 1e-9);
        assert!((quantile(0.75, &buckets) - 0.15).abs() < 1e-9);
        assert_eq!(quantile(0.5, &BTreeMap::new()), 0.0);
    }
}
