//! The HTTP publisher: every dataset, version, page of rows, diff and full
//! download under `/api/v1`, over hyper 1 on tokio.
//!
//! [`serve`] runs the connection loop; [`App`] holds what requests read
//! (the store, the current versions, the caches). Versions never change once
//! published, so answers are keyed by version and kept: a repeated request
//! is answered from memory, a conditional one with a 304 computed from the
//! ETag alone. The daemon calls [`App::refresh`] after each publish.
//!
//! - [`app`]: state, refresh, pre-rendered catalog documents.
//! - [`routes`]: routing and handlers.
//! - [`params`]: query strings into checked row queries.
//! - [`formats`]: JSON, CSV, NDJSON renderers and negotiation.
//! - [`http`]: validators, conditional requests, ranges, compression, CORS.
//! - [`cache`]: the bounded response cache; [`files`]: mapped download files.
//! - [`errors`]: the JSON error document; [`openapi`]: the API's description.
//! - [`admin`]: the admin API; `throttle`: failed admin logins per address.
//!
//! Decisions (also stated in the OpenAPI description, for clients):
//! - `latest/data.*` is served directly, not redirected: one round trip for
//!   the people and scripts that want "the data now", `Cache-Control:
//!   public, max-age=60`, the versioned file's ETag, and `Content-Location`
//!   naming the versioned URL so a client can record which version it got.
//! - A request with `Range` is answered from the uncompressed file, whatever
//!   `Accept-Encoding` says: a resumed download must see the same bytes as
//!   the attempt it resumes. Without `Range`, the precompressed `.br`/`.gz`
//!   files are served as they are, each coding with its own ETag; the
//!   standard files of a version (`datapackage.json`, `ocds.json`, ...)
//!   are served by the same code as the downloads.
//! - Version numbers run from 1 to i64's maximum (the store's integers), as
//!   the OpenAPI description states: a larger number is a 400, any number
//!   up to it a version or a 404.
//! - `/rows/{key}`: composite keys are the key values in key order, each
//!   percent-encoded, joined by `,` (`/rows/2024,BG%2C01`).
//! - Unknown query parameters are 400s, so a typo never passes silently.
//! - Each request is logged at `info` on the target `vitrina::http`
//!   (method, path, status, bytes, microseconds); filter that target to
//!   silence access logs.

pub mod admin;
pub mod answer;
pub mod app;
pub mod body;
pub mod cache;
pub mod ckan;
pub mod dcat;
pub mod errors;
pub mod formats;
pub mod http;
pub mod openapi;
pub mod params;
pub mod pool;
pub mod routes;
mod throttle;

#[cfg(test)]
mod tests;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

pub use app::{App, AppConfig};

/// What one listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// The open-data API only; `/api/v1/admin` is not there.
    Public,
    /// The open-data API and the admin API (no `[admin] listen` set).
    PublicAndAdmin,
    /// The admin API (and `/healthz`) only: `[admin] listen`.
    Admin,
}

/// The most bytes of request line and headers a client may send (hyper's
/// read buffer); the URL alone is capped lower, at [`routes::MAX_URL`].
const MAX_HEAD: usize = 64 * 1024;

/// Serves the API on `listener` until `shutdown` completes, then stops
/// accepting and lets requests in flight finish (up to the configured
/// grace period).
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    surface: Surface,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let builder = connection_builder(app.config());
    let graceful = GracefulShutdown::new();
    tracing::info!(address = %listener.local_addr()?, ?surface, "serving HTTP");
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let app = app.clone();
                    let builder = builder.clone();
                    let watcher = graceful.watcher();
                    tokio::spawn(async move {
                        let limit = app.config().header_read_timeout;
                        if !first_bytes(&stream, limit).await {
                            return;
                        }
                        // Small responses must not wait for Nagle.
                        let _ = stream.set_nodelay(true);
                        let service = service_fn(move |request| {
                            let app = app.clone();
                            async move {
                                Ok::<_, std::convert::Infallible>(
                                    routes::handle_on(app, surface, peer, request).await,
                                )
                            }
                        });
                        let connection = builder.serve_connection(TokioIo::new(stream), service);
                        if let Err(error) = watcher.watch(connection).await {
                            tracing::debug!(%error, "connection ended with an error");
                        }
                    });
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait, do not spin.
                    tracing::warn!(%error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let grace = app.config().shutdown_grace;
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            ?grace,
            "requests still in flight at the end of the grace period were cut"
        );
    }
    Ok(())
}

/// HTTP/2's connection preface, which hyper-util's protocol detection waits for.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Waits, at most `limit`, until the client has sent enough to tell HTTP/1
/// from HTTP/2. hyper's header read timeout starts only after that
/// detection, so without this a client that connects and sends nothing (or
/// half a preface) would hold its connection forever.
async fn first_bytes(stream: &tokio::net::TcpStream, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    let mut buf = [0u8; 24];
    loop {
        match tokio::time::timeout_at(deadline, stream.peek(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return false,
            Ok(Ok(n)) if n >= H2_PREFACE.len() || buf[..n] != H2_PREFACE[..n] => return true,
            // Part of a preface: peek returns at once (so the timeout,
            // which polls it first, never fires): wait a little, and check
            // the deadline here.
            Ok(Ok(_)) if tokio::time::Instant::now() >= deadline => return false,
            Ok(Ok(_)) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

fn connection_builder(config: &AppConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        // A client that trickles its headers cannot hold a connection.
        .header_read_timeout(config.header_read_timeout)
        .max_buf_size(MAX_HEAD)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(MAX_HEAD as u32)
        .max_concurrent_streams(256)
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(config.header_read_timeout);
    builder
}
