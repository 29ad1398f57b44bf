//! A deadline on every Kubernetes call that is not a watch (SPEC §7: nothing hangs;
//! `kube.request_timeout`). kube's own timeouts are per connect, read and write: they do not
//! cover an API server that accepts the connection and then never answers (a stopped
//! process, a black-holed proxy), where the TLS handshake alone would wait forever, and a
//! read timeout would also end the watches, which stay open on purpose. This layer bounds
//! the whole call, response body included, and its error names the call and the limit, so
//! a page can say exactly what timed out.

use app::domain::duration::format_setting;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tower::BoxError;

/// A Kubernetes call that did not complete in time.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "the Kubernetes API server did not answer {method} {path} within {} (kube.request_timeout)",
    format_setting(*after)
)]
pub struct DeadlineExceeded {
    pub method: http::Method,
    /// The path only: it names the object; the query is not needed.
    pub path: String,
    pub after: Duration,
}

#[derive(Clone, Copy, Debug)]
pub struct DeadlineLayer(pub Duration);

impl<S> tower::Layer<S> for DeadlineLayer {
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

/// `?watch=true` (or `=1`): a watch stream, which has no deadline.
fn is_watch(uri: &http::Uri) -> bool {
    has_flag(uri, "watch")
}

/// `?follow=true`: a followed pod log, whose answer must start in time but whose body
/// streams for as long as the reader follows.
fn is_follow(uri: &http::Uri) -> bool {
    has_flag(uri, "follow")
}

fn has_flag(uri: &http::Uri, flag: &str) -> bool {
    uri.query().is_some_and(|query| {
        form_urlencoded::parse(query.as_bytes())
            .any(|(key, value)| key == flag && (value == "true" || value == "1"))
    })
}

impl<S, B, R> tower::Service<http::Request<B>> for Deadline<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = http::Response<DeadlineBody<R>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let exceeded = DeadlineExceeded {
            method: request.method().clone(),
            path: request.uri().path().to_string(),
            after: self.after,
        };
        let deadline = (!is_watch(request.uri())).then(|| tokio::time::Instant::now() + self.after);
        let follow = is_follow(request.uri());
        let call = self.inner.call(request);
        Box::pin(async move {
            let response = match deadline {
                Some(at) => tokio::time::timeout_at(at, call)
                    .await
                    .map_err(|_| Box::new(exceeded.clone()))?,
                None => call.await,
            }
            .map_err(Into::into)?;
            Ok(response.map(|body| DeadlineBody {
                inner: Box::pin(body),
                deadline: deadline
                    .filter(|_| !follow)
                    .map(|at| Box::pin(tokio::time::sleep_until(at))),
                exceeded,
            }))
        })
    }
}

/// A response body that fails once its request's deadline has passed.
pub struct DeadlineBody<B> {
    inner: Pin<Box<B>>,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    exceeded: DeadlineExceeded,
}

impl<B> http_body::Body for DeadlineBody<B>
where
    B: http_body::Body,
    B::Error: Into<BoxError>,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<B::Data>, BoxError>>> {
        let this = &mut *self;
        if let Some(deadline) = &mut this.deadline
            && deadline.as_mut().poll(cx).is_ready()
        {
            return Poll::Ready(Some(Err(Box::new(this.exceeded.clone()))));
        }
        this.inner.as_mut().poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
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
    use http_body_util::BodyExt;
    use tower::{Layer, ServiceExt};

    /// Sends a request through the deadline (100 ms) to a service that answers after
    /// `head` with a body whose one chunk comes `body` later.
    async fn run(head: Duration, body: Duration, uri: &str) -> Result<bytes::Bytes, String> {
        let inner = tower::service_fn(move |_request: http::Request<()>| async move {
            tokio::time::sleep(head).await;
            let chunk = futures::stream::once(async move {
                tokio::time::sleep(body).await;
                Ok::<_, std::io::Error>(http_body::Frame::data(bytes::Bytes::from_static(b"{}")))
            });
            Ok::<_, std::io::Error>(http::Response::new(http_body_util::StreamBody::new(chunk)))
        });
        let service = DeadlineLayer(Duration::from_millis(100)).layer(inner);
        let request = http::Request::get(uri)
            .body(())
            .map_err(|e| e.to_string())?;
        let response = service.oneshot(request).await.map_err(|e| e.to_string())?;
        let collected = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?;
        Ok(collected.to_bytes())
    }

    #[tokio::test]
    async fn requests_end_at_the_deadline_in_the_head_or_the_body_naming_the_call() {
        let ms = Duration::from_millis;
        let list = "/api/v1/namespaces?limit=500";
        assert_eq!(run(ms(0), ms(0), list).await.as_deref(), Ok(&b"{}"[..]));
        assert_eq!(
            run(ms(300), ms(0), list).await,
            Err("the Kubernetes API server did not answer GET /api/v1/namespaces within 100ms (kube.request_timeout)".to_string())
        );
        let late_body = run(ms(0), ms(300), list).await;
        assert!(
            late_body
                .as_ref()
                .is_err_and(|e| e.contains("GET /api/v1/namespaces")),
            "{late_body:?}"
        );
        let watch = "/apis/x/v1/configs?watch=true&resourceVersion=1";
        assert_eq!(
            run(ms(150), ms(150), watch).await.as_deref(),
            Ok(&b"{}"[..])
        ); // A followed log must answer in time, then streams without an end.
        let follow = "/api/v1/namespaces/n/pods/p/log?follow=true";
        assert_eq!(run(ms(0), ms(300), follow).await.as_deref(), Ok(&b"{}"[..]));
        assert!(run(ms(300), ms(0), follow).await.is_err());
    }

    #[test]
    fn watches_are_recognised_by_their_query() {
        let uri = |s: &str| s.parse::<http::Uri>().expect("uri");
        assert!(is_watch(&uri("/api/v1/pods?watch=true")));
        assert!(is_watch(&uri("/api/v1/pods?labelSelector=a&watch=1")));
        assert!(!is_watch(&uri("/api/v1/pods?watch=false")));
        assert!(!is_watch(&uri("/api/v1/pods")));
        assert!(!is_watch(&uri(
            "/api/v1/pods?fieldSelector=metadata.name%3Dwatch"
        )));
        assert!(is_follow(&uri(
            "/api/v1/namespaces/x/pods/p/log?follow=true&tailLines=0"
        )));
        assert!(!is_follow(&uri(
            "/api/v1/namespaces/x/pods/p/log?tailLines=10"
        )));
        assert!(!is_watch(&uri(
            "/api/v1/namespaces/x/pods/p/log?follow=true"
        )));
    }
}
