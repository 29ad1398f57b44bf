//! A deadline on every Kubernetes call of a request (SPEC §7: nothing hangs). The client's
//! own connect and read timeouts do not cover an API server that accepts the connection
//! and then never answers (a stopped process, a black-holed proxy): the TLS handshake alone
//! would wait forever. This layer bounds the whole call, and its error names the call and
//! the limit, so the page can say exactly what timed out.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tower::{BoxError, Layer, Service};

/// A Kubernetes call that did not complete in time.
#[derive(Debug, thiserror::Error)]
#[error("the Kubernetes API server did not answer {method} {path} within {after:?}")]
pub struct DeadlineExceeded {
    pub method: http::Method,
    pub path: String,
    pub after: Duration,
}

#[derive(Clone, Copy, Debug)]
pub struct DeadlineLayer(pub Duration);

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            after: self.0,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Deadline<S> {
    inner: S,
    after: Duration,
}

impl<S, B> Service<http::Request<B>> for Deadline<S>
where
    S: Service<http::Request<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let method = request.method().clone();
        // The path only: the query may carry a label selector, never credentials, but the
        // path is what names the object.
        let path = request.uri().path().to_string();
        let after = self.after;
        let call = self.inner.call(request);
        Box::pin(async move {
            match tokio::time::timeout(after, call).await {
                Ok(result) => result.map_err(Into::into),
                Err(_) => Err(Box::new(DeadlineExceeded {
                    method,
                    path,
                    after,
                }) as BoxError),
            }
        })
    }
}

/// The deadline error inside a kube error, if that is what it is.
pub fn exceeded(error: &kube::Error) -> Option<&DeadlineExceeded> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(found) = e.downcast_ref::<DeadlineExceeded>() {
            return Some(found);
        }
        source = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_call_that_never_answers_fails_at_the_deadline_naming_it() {
        let never = tower::service_fn(|_: http::Request<()>| async {
            std::future::pending::<Result<http::Response<()>, BoxError>>().await
        });
        let service = DeadlineLayer(Duration::from_millis(50)).layer(never);
        let request =
            http::Request::get("/apis/imageregistry.operator.openshift.io/v1/configs/cluster?x=1")
                .body(())
                .expect("request");
        let error = service.oneshot(request).await.expect_err("times out");
        let exceeded = error
            .downcast_ref::<DeadlineExceeded>()
            .expect("deadline error");
        assert_eq!(
            exceeded.path,
            "/apis/imageregistry.operator.openshift.io/v1/configs/cluster"
        );
        assert_eq!(
            exceeded.to_string(),
            "the Kubernetes API server did not answer GET /apis/imageregistry.operator.openshift.io/v1/configs/cluster within 50ms"
        );
    }

    #[tokio::test]
    async fn a_call_in_time_passes_through() {
        let quick = tower::service_fn(|_: http::Request<()>| async {
            Ok::<_, BoxError>(http::Response::new(()))
        });
        let service = DeadlineLayer(Duration::from_secs(5)).layer(quick);
        let request = http::Request::get("/version").body(()).expect("request");
        assert!(service.oneshot(request).await.is_ok());
    }
}
