//! HTTP mechanics shared by every route: validators (ETag, Last-Modified)
//! and conditional requests, byte ranges, content-coding negotiation and
//! compression, CORS.
//!
//! Everything here is a pure function of headers and numbers so that it can
//! be tested without a server, and so that a conditional request can be
//! answered before the store or a file is touched.

use std::io::Write;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::HeaderMap;
use hyper::header::{self, HeaderValue};
use sha2::{Digest, Sha256};

/// A strong entity tag over `parts`: 128 bits of sha256, quoted.
pub fn etag(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        // The length prefix keeps ("ab","c") and ("a","bc") apart.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    format!("\"{}\"", hex::encode(&hasher.finalize()[..16]))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`). Written by hand:
/// chrono's strftime interpreter is a measurable part of a 304's cost.
pub fn http_date(time: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[time.weekday().num_days_from_monday() as usize],
        time.day(),
        MONTHS[time.month0() as usize],
        time.year(),
        time.hour(),
        time.minute(),
        time.second()
    )
}

/// Parses an HTTP date; RFC 2822 parsing accepts IMF-fixdate.
pub fn parse_http_date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Whether a GET or HEAD may be answered 304 Not Modified. `If-None-Match`
/// takes precedence over `If-Modified-Since` (RFC 9110 §13.2.2); the
/// comparison for `If-None-Match` is weak, as the RFC says.
pub fn not_modified(headers: &HeaderMap, etag: &str, last_modified: Option<DateTime<Utc>>) -> bool {
    if let Some(value) = headers.get(header::IF_NONE_MATCH) {
        return value
            .to_str()
            .is_ok_and(|v| etag_list_matches(v, etag, false));
    }
    let (Some(since), Some(modified)) = (
        headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_http_date),
        last_modified,
    ) else {
        return false;
    };
    // HTTP dates have whole seconds.
    modified.timestamp() <= since.timestamp()
}

/// Whether `list` (`*`, or comma-separated tags) matches `etag`.
fn etag_list_matches(list: &str, etag: &str, strong: bool) -> bool {
    let list = list.trim();
    if list == "*" {
        return true;
    }
    let bare = etag.trim_start_matches("W/");
    list.split(',')
        .map(str::trim)
        .any(|tag| match tag.strip_prefix("W/") {
            Some(weak) => !strong && weak == bare,
            None => tag == bare,
        })
}

/// What a `Range` header asks of a representation of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeAsk {
    /// No usable range: send the whole representation, 200. Also for
    /// multi-range and syntactically invalid headers, which RFC 9110 lets a
    /// server ignore.
    Whole,
    /// Bytes `start..=end`, 206.
    Part { start: u64, end: u64 },
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// Parses a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range.
pub fn parse_range(value: &str, len: u64) -> RangeAsk {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return RangeAsk::Whole;
    };
    if spec.contains(',') {
        return RangeAsk::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsk::Whole;
    };
    let number = |s: &str| -> Option<u64> {
        let s = s.trim();
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (first.trim().is_empty(), number(first), number(last)) {
        // `-n`: the last n bytes.
        (true, _, Some(n)) => {
            if n == 0 || len == 0 {
                RangeAsk::Unsatisfiable
            } else {
                RangeAsk::Part {
                    start: len.saturating_sub(n),
                    end: len - 1,
                }
            }
        }
        (false, Some(start), None) if last.trim().is_empty() => {
            satisfiable(start, len - len.min(1), len)
        }
        (false, Some(start), Some(end)) if start <= end => {
            satisfiable(start, end.min(len.saturating_sub(1)), len)
        }
        _ => RangeAsk::Whole,
    }
}

fn satisfiable(start: u64, end: u64, len: u64) -> RangeAsk {
    if start >= len {
        RangeAsk::Unsatisfiable
    } else {
        RangeAsk::Part { start, end }
    }
}

/// Whether an `If-Range` precondition holds (or is absent): a Range is only
/// honoured when the client's copy is the current one. Strong comparison,
/// as RFC 9110 §13.1.5 requires.
pub fn if_range_holds(
    headers: &HeaderMap,
    etag: &str,
    last_modified: Option<DateTime<Utc>>,
) -> bool {
    let Some(value) = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) else {
        return headers.get(header::IF_RANGE).is_none();
    };
    if value.trim_start().starts_with('"') || value.trim_start().starts_with("W/") {
        return etag_list_matches(value, etag, true);
    }
    match (parse_http_date(value), last_modified) {
        (Some(date), Some(modified)) => date.timestamp() == modified.timestamp(),
        _ => false,
    }
}

/// A content coding the server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The `Content-Encoding` value, when there is one.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }

    /// A short tag for cache keys and ETags.
    pub fn tag(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gz",
            Encoding::Brotli => "-br",
        }
    }
}

/// The best coding `Accept-Encoding` allows: brotli, then gzip, then none.
/// Codings with `q=0` are refused; a missing header means identity.
pub fn negotiate_encoding(headers: &HeaderMap) -> Encoding {
    let Some(value) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let mut best = (Encoding::Identity, 0.0_f32);
    for item in value.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        let encoding = match name.as_str() {
            "br" => Encoding::Brotli,
            "gzip" | "x-gzip" => Encoding::Gzip,
            _ => continue,
        };
        // At equal weight brotli wins: it is smaller.
        let better = q > best.1 || (q == best.1 && q > 0.0 && encoding == Encoding::Brotli);
        if q > 0.0 && better {
            best = (encoding, q);
        }
    }
    best.0
}

/// Compresses a body; bodies are rendered once and cached, so the level
/// favours size over speed a little.
pub fn compress(body: &[u8], encoding: Encoding) -> std::io::Result<Bytes> {
    match encoding {
        Encoding::Identity => Ok(Bytes::copy_from_slice(body)),
        Encoding::Gzip => {
            let mut out = flate2::write::GzEncoder::new(
                Vec::with_capacity(body.len() / 4),
                flate2::Compression::new(6),
            );
            out.write_all(body)?;
            Ok(Bytes::from(out.finish()?))
        }
        Encoding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 5,
                lgwin: 22,
                size_hint: body.len(),
                ..Default::default()
            };
            let mut out = Vec::with_capacity(body.len() / 4);
            brotli::BrotliCompress(&mut &body[..], &mut out, &params)?;
            Ok(Bytes::from(out))
        }
    }
}

/// Headers every response carries so browsers' scripts can read the API
/// from any origin (it is public data) and see the paging and validator
/// headers.
pub fn add_cors(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(
            "Link, ETag, Last-Modified, Content-Range, Content-Location, Content-Disposition",
        ),
    );
}

/// The extra headers of a CORS preflight answer.
pub fn add_preflight(headers: &mut HeaderMap) {
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, HEAD, OPTIONS"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Accept, If-None-Match, If-Modified-Since, If-Range, Range"),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn date(text: &str) -> DateTime<Utc> {
        parse_http_date(text).unwrap()
    }

    #[test]
    fn etags_are_quoted_and_distinct() {
        let a = etag(&[b"ab", b"c"]);
        assert!(a.starts_with('"') && a.ends_with('"') && a.len() == 34);
        assert_ne!(a, etag(&[b"a", b"bc"]));
        assert_eq!(a, etag(&[b"ab", b"c"]));
    }

    #[test]
    fn dates_round_trip() {
        let t = date("Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        let t = date("Wed, 01 Jan 2025 00:00:05 GMT");
        assert_eq!(http_date(t), "Wed, 01 Jan 2025 00:00:05 GMT");
        assert!(parse_http_date("yesterday").is_none());
    }

    #[test]
    fn if_none_match_decides_first() {
        let tag = "\"abc\"";
        let modified = Some(date("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert!(not_modified(
            &headers(&[("if-none-match", "\"abc\"")]),
            tag,
            modified
        ));
        assert!(not_modified(
            &headers(&[("if-none-match", "\"x\", W/\"abc\"")]),
            tag,
            modified
        ));
        assert!(not_modified(
            &headers(&[("if-none-match", "*")]),
            tag,
            modified
        ));
        // A non-matching If-None-Match wins over a matching If-Modified-Since.
        let both = headers(&[
            ("if-none-match", "\"old\""),
            ("if-modified-since", "Mon, 07 Nov 1994 08:49:37 GMT"),
        ]);
        assert!(!not_modified(&both, tag, modified));
    }

    #[test]
    fn if_modified_since_compares_seconds() {
        let modified = Some(date("Sun, 06 Nov 1994 08:49:37 GMT"));
        let tag = "\"abc\"";
        assert!(not_modified(
            &headers(&[("if-modified-since", "Sun, 06 Nov 1994 08:49:37 GMT")]),
            tag,
            modified
        ));
        assert!(!not_modified(
            &headers(&[("if-modified-since", "Sun, 06 Nov 1994 08:49:36 GMT")]),
            tag,
            modified
        ));
        assert!(!not_modified(
            &headers(&[("if-modified-since", "garbage")]),
            tag,
            modified
        ));
        assert!(!not_modified(&HeaderMap::new(), tag, modified));
    }

    #[test]
    fn ranges() {
        use RangeAsk::*;
        assert_eq!(parse_range("bytes=0-9", 100), Part { start: 0, end: 9 });
        assert_eq!(parse_range("bytes=90-", 100), Part { start: 90, end: 99 });
        assert_eq!(parse_range("bytes=-10", 100), Part { start: 90, end: 99 });
        assert_eq!(parse_range("bytes=-1000", 100), Part { start: 0, end: 99 });
        assert_eq!(
            parse_range("bytes=50-1000", 100),
            Part { start: 50, end: 99 }
        );
        assert_eq!(parse_range("bytes=100-", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=200-300", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), Whole);
        assert_eq!(parse_range("bytes=9-1", 100), Whole);
        assert_eq!(parse_range("items=0-1", 100), Whole);
        assert_eq!(parse_range("bytes=a-b", 100), Whole);
        assert_eq!(parse_range("bytes=+1-2", 100), Whole);
        assert_eq!(parse_range("bytes=-", 100), Whole);
    }

    #[test]
    fn if_range_is_strong() {
        let modified = Some(date("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert!(if_range_holds(&HeaderMap::new(), "\"a\"", modified));
        assert!(if_range_holds(
            &headers(&[("if-range", "\"a\"")]),
            "\"a\"",
            modified
        ));
        assert!(!if_range_holds(
            &headers(&[("if-range", "W/\"a\"")]),
            "\"a\"",
            modified
        ));
        assert!(!if_range_holds(
            &headers(&[("if-range", "\"b\"")]),
            "\"a\"",
            modified
        ));
        assert!(if_range_holds(
            &headers(&[("if-range", "Sun, 06 Nov 1994 08:49:37 GMT")]),
            "\"a\"",
            modified
        ));
        assert!(!if_range_holds(
            &headers(&[("if-range", "Sun, 06 Nov 1994 08:49:38 GMT")]),
            "\"a\"",
            modified
        ));
    }

    #[test]
    fn encodings_negotiate() {
        let pick = |v: &str| negotiate_encoding(&headers(&[("accept-encoding", v)]));
        assert_eq!(negotiate_encoding(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(pick("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(pick("gzip"), Encoding::Gzip);
        assert_eq!(pick("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(pick("br;q=0.5, gzip;q=0.8"), Encoding::Gzip);
        assert_eq!(pick("identity"), Encoding::Identity);
        assert_eq!(pick("gzip;q=0"), Encoding::Identity);
    }

    #[test]
    fn compression_round_trips() {
        let body = "Бургас,454090.00\r\n".repeat(100);
        let gz = compress(body.as_bytes(), Encoding::Gzip).unwrap();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
        let br = compress(body.as_bytes(), Encoding::Brotli).unwrap();
        let mut out = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, body);
        assert!(br.len() < body.len() / 4);
    }

    #[test]
    fn cors_headers() {
        let mut map = HeaderMap::new();
        add_cors(&mut map);
        assert_eq!(map["access-control-allow-origin"], "*");
        let exposed = map["access-control-expose-headers"].to_str().unwrap();
        for name in ["Link", "ETag", "Content-Range", "Content-Location"] {
            assert!(exposed.contains(name), "{name}");
        }
        add_preflight(&mut map);
        assert!(
            map["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains("GET")
        );
        assert!(
            map["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .contains("If-None-Match")
        );
    }
}
