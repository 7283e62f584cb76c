//! A ceiling for the load benchmark: hyper on one thread answering every
//! request with the same body, read once from a file. `bench/load.sh` runs
//! it beside `vitrina serve` and reports Vitrina's figures as ratios to it.
//!
//! Usage: fixed_body <listen-address> <body-file>

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(listen), Some(file)) = (args.next(), args.next()) else {
        eprintln!("usage: fixed_body <listen-address> <body-file>");
        std::process::exit(2);
    };
    let body = Bytes::from(std::fs::read(file)?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen).await?;
        let body = Arc::new(body);
        loop {
            let (stream, _) = listener.accept().await?;
            let body = Arc::clone(&body);
            tokio::spawn(async move {
                let service = service_fn(move |_: Request<hyper::body::Incoming>| {
                    let body = Bytes::clone(&body);
                    async move {
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(body))
                                .unwrap_or_default(),
                        )
                    }
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    })
}
