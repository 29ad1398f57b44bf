//! The registry's metrics (guide §5.5), read as the signed-in user through the API server's
//! service proxy and kept as a short rolling window in memory for the Overview's charts.
//!
//! The window is shared: a read happens only for a user the API server allows to read the
//! metrics (checked by the caller), at most once per [`INTERVAL`], however many pages ask;
//! users who may not read them never see the window.

use app::domain::metrics::{MetricsSample, MetricsView, charts};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// Seconds between reads of the registry's metrics.
pub const INTERVAL: Duration = Duration::from_secs(10);
/// Samples kept: 10 minutes at [`INTERVAL`].
const WINDOW: usize = 60;

/// `https:image-registry:5000-tcp`: the operator's Service and its port name, https as the
/// registry serves it.
pub const PROXY_PATH: &str = "/api/v1/namespaces/openshift-image-registry/services/https:image-registry:5000-tcp/proxy/extensions/v2/metrics";

/// A sample read from the metrics text at `at` (Unix seconds), and the registry's version
/// (`imageregistry_build_info`). A line that is not in the text format is an error naming
/// it; so is a response without the registry's metrics (an HTML error page, another
/// service).
pub fn parse(text: &str, at: i64) -> Result<(MetricsSample, Option<String>), String> {
    use prometheus_parse::{LineInfo, Scrape, Value};
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if matches!(LineInfo::parse(line), LineInfo::Ignored) {
            let shown: String = line.chars().take(80).collect();
            return Err(format!(
                "line {} is not in the Prometheus text format: `{shown}`",
                number + 1
            ));
        }
    }
    let scrape = Scrape::parse(text.lines().map(|l| Ok(l.to_string())))
        .map_err(|e| format!("the metrics cannot be read: {e}"))?;
    let mut sample = MetricsSample {
        at,
        ..Default::default()
    };
    let mut version = None;
    let mut found = false;
    for s in &scrape.samples {
        let scalar = match &s.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => Some(*v),
            _ => None,
        };
        let label = |name: &str| s.labels.get(name).unwrap_or_default().to_string();
        found |= s.metric.starts_with("imageregistry_");
        match (s.metric.as_str(), scalar) {
            ("imageregistry_http_requests_total", Some(v)) => {
                *sample.requests.entry(label("method")).or_default() += v;
                if label("code").starts_with('5') {
                    sample.server_errors += v;
                }
            }
            ("imageregistry_http_in_flight_requests", Some(v)) => sample.in_flight = v,
            ("imageregistry_digest_cache_requests_total", Some(v)) => {
                add_hit_or_miss(&mut sample.digest_cache, &label("type"), v)
            }
            ("imageregistry_digest_cache_scoped_requests_total", Some(v)) => {
                add_hit_or_miss(&mut sample.digest_cache_scoped, &label("type"), v)
            }
            ("imageregistry_build_info", _) => {
                version = s.labels.get("gitVersion").map(str::to_string);
            }
            ("imageregistry_http_request_duration_seconds", None) => {
                if let Value::Summary(quantiles) = &s.value {
                    for q in quantiles {
                        sample
                            .latency
                            .insert((label("method"), q.quantile.to_string()), q.count);
                    }
                }
            }
            _ => {}
        }
    }
    if !found {
        return Err(
            "the response has no imageregistry_ metrics: it is not the registry's metrics endpoint"
                .into(),
        );
    }
    Ok((sample, version))
}

fn add_hit_or_miss(counts: &mut Option<(f64, f64)>, kind: &str, value: f64) {
    let counts = counts.get_or_insert((0.0, 0.0));
    match kind {
        "Hit" => counts.0 += value,
        "Miss" => counts.1 += value,
        _ => {}
    }
}

/// Why a read of the metrics failed.
#[derive(Debug)]
pub enum ReadError {
    /// The API server refused or failed the proxied request (the registry's own answer
    /// comes back this way too).
    Api(kube::Error),
    /// The answer is not the registry's metrics.
    Format(String),
    /// A read failed moments ago (the registry did not answer): said again until the
    /// next [`INTERVAL`], rather than every page waiting for it once more.
    NotServing(String),
}

/// The rolling window.
#[derive(Default)]
pub struct MetricsWindow {
    samples: Mutex<VecDeque<MetricsSample>>,
    version: Mutex<Option<String>>,
    /// One read at a time: the others wait for it and then find the window fresh.
    reading: tokio::sync::Mutex<()>,
    /// The last failed read: when (Unix seconds) and why.
    failed: Mutex<Option<(i64, String)>>,
}

fn now_secs() -> i64 {
    crate::auth::now_secs()
}

impl MetricsWindow {
    fn newest_at(&self) -> Option<i64> {
        self.samples
            .lock()
            .ok()
            .and_then(|s| s.back().map(|s| s.at))
    }

    fn fresh(&self) -> bool {
        self.newest_at()
            .is_some_and(|at| now_secs() - at < INTERVAL.as_secs() as i64)
    }

    /// Reads the metrics with `client` (the user's) unless the window is fresh. The API
    /// server's refusal or the registry's error is returned as it is.
    pub async fn refresh(&self, client: &kube::Client) -> Result<(), ReadError> {
        if self.fresh() {
            return Ok(());
        }
        if let Some(why) = self.recent_failure() {
            return Err(ReadError::NotServing(why));
        }
        let _reading = self.reading.lock().await;
        if self.fresh() {
            return Ok(());
        }
        if let Some(why) = self.recent_failure() {
            return Err(ReadError::NotServing(why));
        }
        let request = http::Request::get(PROXY_PATH)
            .body(Vec::new())
            .map_err(|e| ReadError::Api(kube::Error::HttpError(e)))?;
        let text = match client.request_text(request).await {
            Ok(text) => text,
            Err(e) => {
                self.set_failure(Some(e.to_string()));
                return Err(ReadError::Api(e));
            }
        };
        self.set_failure(None);
        let (sample, version) = parse(&text, now_secs()).map_err(ReadError::Format)?;
        self.push(sample, version);
        Ok(())
    }

    fn recent_failure(&self) -> Option<String> {
        self.failed
            .lock()
            .ok()
            .and_then(|f| f.clone())
            .filter(|(at, _)| now_secs() - at < INTERVAL.as_secs() as i64)
            .map(|(_, why)| why)
    }

    /// Remembers that a read failed (a caller that gave up waiting says so too), so pages
    /// in the next [`INTERVAL`] do not wait for the registry again.
    pub fn set_failure(&self, why: Option<String>) {
        if let Ok(mut failed) = self.failed.lock() {
            *failed = why.map(|w| (now_secs(), w));
        }
    }

    pub fn push(&self, sample: MetricsSample, version: Option<String>) {
        if let Ok(mut samples) = self.samples.lock() {
            samples.push_back(sample);
            while samples.len() > WINDOW {
                samples.pop_front();
            }
        }
        if version.is_some()
            && let Ok(mut v) = self.version.lock()
        {
            *v = version;
        }
    }

    /// The charts of the window as it is.
    pub fn view(&self) -> MetricsView {
        let samples: Vec<MetricsSample> = self
            .samples
            .lock()
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default();
        let (error_percent, p99_seconds) = app::domain::metrics::health(&samples);
        MetricsView {
            samples: samples.len(),
            interval_seconds: INTERVAL.as_secs(),
            charts: charts(&samples),
            version: self.version.lock().ok().and_then(|v| v.clone()),
            error_percent,
            p99_seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The guide's §5.5 example output, whole.
    const GUIDE: &str = r#"# HELP imageregistry_build_info A metric with a constant '1' value labeled by major, minor, git commit & git version from which the image registry was built.
# TYPE imageregistry_build_info gauge
imageregistry_build_info{gitCommit="9f72191",gitVersion="v3.11.0+9f72191-135-dirty",major="3",minor="11+"} 1
# HELP imageregistry_digest_cache_requests_total Total number of requests without scope to the digest cache.
# TYPE imageregistry_digest_cache_requests_total counter
imageregistry_digest_cache_requests_total{type="Hit"} 5
imageregistry_digest_cache_requests_total{type="Miss"} 24
# HELP imageregistry_digest_cache_scoped_requests_total Total number of scoped requests to the digest cache.
# TYPE imageregistry_digest_cache_scoped_requests_total counter
imageregistry_digest_cache_scoped_requests_total{type="Hit"} 33
imageregistry_digest_cache_scoped_requests_total{type="Miss"} 44
# HELP imageregistry_http_in_flight_requests A gauge of requests currently being served by the registry.
# TYPE imageregistry_http_in_flight_requests gauge
imageregistry_http_in_flight_requests 1
# HELP imageregistry_http_request_duration_seconds A histogram of latencies for requests to the registry.
# TYPE imageregistry_http_request_duration_seconds summary
imageregistry_http_request_duration_seconds{method="get",quantile="0.5"} 0.01296087
imageregistry_http_request_duration_seconds{method="get",quantile="0.9"} 0.014847248
imageregistry_http_request_duration_seconds{method="get",quantile="0.99"} 0.015981195
imageregistry_http_request_duration_seconds_sum{method="get"} 12.260727916000022
"#;

    #[test]
    fn the_guides_output_parses() {
        let (sample, version) = parse(GUIDE, 100).expect("parses");
        assert_eq!(version.as_deref(), Some("v3.11.0+9f72191-135-dirty"));
        assert_eq!(sample.digest_cache, Some((5.0, 24.0)));
        assert_eq!(sample.digest_cache_scoped, Some((33.0, 44.0)));
        assert_eq!(sample.in_flight, 1.0);
        assert_eq!(
            sample.latency.get(&("get".to_string(), "0.99".to_string())),
            Some(&0.015981195)
        );
        assert_eq!(sample.latency.len(), 3);
    }

    #[test]
    fn requests_are_summed_per_method() {
        let text = "# TYPE imageregistry_http_requests_total counter\n\
            imageregistry_http_requests_total{code=\"200\",method=\"get\"} 8\n\
            imageregistry_http_requests_total{code=\"404\",method=\"get\"} 2\n\
            imageregistry_http_requests_total{code=\"201\",method=\"put\"} 1\n";
        let (sample, _) = parse(text, 0).expect("parses");
        assert_eq!(sample.requests.get("get"), Some(&10.0));
        assert_eq!(sample.requests.get("put"), Some(&1.0));
    }

    #[test]
    fn malformed_input_is_a_clear_error() {
        for (text, expected) in [
            (
                "<html><body>503 Service Unavailable</body></html>",
                "line 1 is not in the Prometheus text format",
            ),
            (
                "imageregistry_http_in_flight_requests 1\n{{{ broken",
                "line 2 is not in the Prometheus text format",
            ),
            ("", "no imageregistry_ metrics"),
            ("# just comments\n", "no imageregistry_ metrics"),
            ("go_goroutines 12\n", "no imageregistry_ metrics"),
        ] {
            let error = parse(text, 0).expect_err(text);
            assert!(error.contains(expected), "{text:?}: {error}");
        }
        // Odd values never panic: they are skipped or kept as the float they are.
        let (sample, _) =
            parse("imageregistry_http_in_flight_requests NaN\n", 0).expect("NaN is a value");
        assert!(sample.in_flight.is_nan());
    }

    #[test]
    fn the_window_keeps_the_newest_samples() {
        let window = MetricsWindow::default();
        for at in 0..(WINDOW as i64 + 5) {
            window.push(
                MetricsSample {
                    at,
                    ..Default::default()
                },
                None,
            );
        }
        assert_eq!(window.view().samples, WINDOW);
        assert_eq!(window.newest_at(), Some(WINDOW as i64 + 4));
    }
}
