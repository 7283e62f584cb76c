//! The response body: bytes already in memory (nearly every answer), or
//! chunks a producer sends while it works, for answers too large to hold,
//! such as the NDJSON changes between two distant versions.
//!
//! A streamed body is fed through a small bounded channel by a blocking
//! thread, so a slow client slows the producer instead of filling memory,
//! and a client that leaves closes the channel, which stops the producer.
//! An error mid-stream ends the response without its final chunk, so the
//! client sees a broken transfer, never a short answer that looks whole.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Frame, SizeHint};
use tokio::sync::mpsc;

/// How many chunks may wait between a producer and its client.
const CHUNKS_IN_FLIGHT: usize = 4;
/// About how large a streamed chunk is.
pub const CHUNK_BYTES: usize = 64 * 1024;

/// A response body.
#[derive(Debug)]
pub enum Body {
    /// All of it; `None` once sent.
    Bytes(Option<Bytes>),
    Stream(mpsc::Receiver<std::io::Result<Bytes>>),
}

impl Body {
    pub fn bytes(bytes: Bytes) -> Self {
        Self::Bytes(Some(bytes))
    }

    /// A streamed body, and the sender its producer writes chunks to.
    pub fn channel() -> (ChunkSender, Self) {
        let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
        (ChunkSender(sender), Self::Stream(receiver))
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            Body::Bytes(bytes) => Poll::Ready(
                bytes
                    .take()
                    .filter(|b| !b.is_empty())
                    .map(|b| Ok(Frame::data(b))),
            ),
            Body::Stream(chunks) => chunks
                .poll_recv(cx)
                .map(|chunk| chunk.map(|c| c.map(Frame::data))),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Body::Bytes(None)) || matches!(self, Body::Bytes(Some(b)) if b.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Body::Bytes(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Body::Stream(_) => SizeHint::default(),
        }
    }
}

/// The producer's end of a streamed body. Blocking: use it from a
/// blocking thread.
#[derive(Debug)]
pub struct ChunkSender(mpsc::Sender<std::io::Result<Bytes>>);

/// The client went away: stop producing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientGone;

impl ChunkSender {
    /// Sends `chunk`, waiting while the client is behind.
    pub fn send(&self, chunk: Bytes) -> Result<(), ClientGone> {
        self.0.blocking_send(Ok(chunk)).map_err(|_| ClientGone)
    }

    /// Ends the body as broken: the client sees an incomplete transfer.
    pub fn fail(&self, error: std::io::Error) {
        let _ = self.0.blocking_send(Err(error));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_stream_delivers_its_chunks_in_order_and_stops_when_dropped() {
        let (sender, body) = Body::channel();
        let producer = tokio::task::spawn_blocking(move || {
            for i in 0..10 {
                sender.send(Bytes::from(format!("{i},"))).unwrap();
            }
        });
        let bytes = body.collect().await.unwrap().to_bytes();
        producer.await.unwrap();
        assert_eq!(&bytes[..], b"0,1,2,3,4,5,6,7,8,9,");

        let (sender, body) = Body::channel();
        drop(body);
        let gone = tokio::task::spawn_blocking(move || sender.send(Bytes::from_static(b"x")))
            .await
            .unwrap();
        assert_eq!(gone, Err(ClientGone));
    }

    #[tokio::test]
    async fn a_failed_stream_is_an_error_not_a_short_body() {
        let (sender, body) = Body::channel();
        tokio::task::spawn_blocking(move || {
            sender.send(Bytes::from_static(b"half")).unwrap();
            sender.fail(std::io::Error::other("the store stopped"));
        });
        assert!(body.collect().await.is_err());
    }
}
