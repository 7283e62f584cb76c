//! A bounded least-recently-used cache of rendered responses.
//!
//! Versions never change once published, so a response rendered for
//! (dataset, version, normalized query, format, coding) is right forever:
//! the cache needs no invalidation, only eviction. It is keyed by the
//! response's ETag plus coding (the ETag already hashes all of the rest)
//! and bounded by the total bytes of the bodies it holds.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use bytes::Bytes;

/// A rendered response body with the headers that depend on its content.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub body: Bytes,
    pub content_type: &'static str,
    /// The `Link: <...>; rel="next"` target, for row pages.
    pub next: Option<String>,
}

impl Rendered {
    fn cost(&self) -> usize {
        // The fixed part stands for the key, the map entries and the headers.
        self.body.len() + self.next.as_ref().map_or(0, String::len) + 128
    }
}

/// The cache. Cheap to share: one short lock per lookup.
pub struct ResponseCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Arc<str>, (u64, Arc<Rendered>)>,
    /// Use tick → key, oldest first.
    order: BTreeMap<u64, Arc<str>>,
    tick: u64,
    size: usize,
}

impl ResponseCache {
    /// A cache holding at most `capacity` bytes of bodies.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The entry for `key`, marked as just used.
    pub fn get(&self, key: &str) -> Option<Arc<Rendered>> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        inner.tick += 1;
        let tick = inner.tick;
        let (used, value) = inner.entries.get_mut(key)?;
        let old = std::mem::replace(used, tick);
        let value = value.clone();
        if let Some(name) = inner.order.remove(&old) {
            inner.order.insert(tick, name);
        }
        Some(value)
    }

    /// Stores an entry, evicting the least recently used ones to make room.
    /// An entry bigger than an eighth of the cache is not kept: one huge
    /// answer must not flush every small hot one.
    pub fn insert(&self, key: &str, value: Arc<Rendered>) {
        let cost = value.cost();
        if cost > self.capacity / 8 {
            return;
        }
        let mut inner = self.lock();
        inner.remove(key);
        while inner.size + cost > self.capacity {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some((_, gone)) = inner.entries.remove(&oldest) {
                inner.size -= gone.cost();
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        let key: Arc<str> = Arc::from(key);
        inner.order.insert(tick, key.clone());
        inner.entries.insert(key, (tick, value));
        inner.size += cost;
    }

    /// Bytes held.
    pub fn size(&self) -> usize {
        self.lock().size
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent data: every
        // mutation above completes before anything can panic.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Inner {
    fn remove(&mut self, key: &str) {
        if let Some((tick, gone)) = self.entries.remove(key) {
            self.order.remove(&tick);
            self.size -= gone.cost();
        }
    }
}

/// What a rows request's ETag was computed from, remembered by the raw
/// request so that a repeated request (a poller's 304, a hot page) skips
/// query parsing, schema checks and hashing.
#[derive(Debug, Clone, PartialEq)]
pub struct Remembered {
    /// The version the ETag is for, and its content hash: the memo holds
    /// only while the dataset still has that version (as current, when not
    /// pinned).
    pub version: u64,
    pub content_hash: String,
    /// Whether `as_of` or a cursor chose the version.
    pub pinned: bool,
    pub etag: String,
}

/// Raw request → [`Remembered`], bounded by the bytes of its keys: when
/// full it starts over, which costs one parse per hot request.
pub struct EtagMemo {
    max_bytes: usize,
    inner: Mutex<(HashMap<String, Arc<Remembered>>, usize)>,
}

impl EtagMemo {
    pub fn new(max_bytes: usize) -> Self {
        Self {
            max_bytes,
            inner: Mutex::new((HashMap::new(), 0)),
        }
    }

    pub fn get(&self, key: &str) -> Option<Arc<Remembered>> {
        self.lock().0.get(key).cloned()
    }

    pub fn insert(&self, key: String, value: Remembered) {
        let cost = key.len() + value.etag.len() + value.content_hash.len() + 64;
        let mut inner = self.lock();
        if inner.1 + cost > self.max_bytes {
            inner.0.clear();
            inner.1 = 0;
        }
        if inner.0.insert(key, Arc::new(value)).is_none() {
            inner.1 += cost;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<String, Arc<Remembered>>, usize)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(len: usize) -> Arc<Rendered> {
        Arc::new(Rendered {
            body: Bytes::from(vec![b'x'; len]),
            content_type: "text/plain",
            next: None,
        })
    }

    #[test]
    fn evicts_the_least_recently_used_by_bytes() {
        let cache = ResponseCache::new(8 * 1128);
        for key in ["a", "b", "c", "d", "e", "f", "g", "h"] {
            cache.insert(key, entry(1000));
        }
        assert_eq!(cache.size(), 8 * 1128);
        assert!(cache.get("a").is_some()); // now "b" is the oldest
        cache.insert("i", entry(1000));
        assert!(cache.get("b").is_none());
        assert!(cache.get("a").is_some());
        assert!(cache.get("i").is_some());
        assert!(cache.size() <= 8 * 1128);
    }

    #[test]
    fn the_memo_starts_over_when_full() {
        let memo = EtagMemo::new(400);
        let value = |n| Remembered {
            version: n,
            content_hash: "h".into(),
            pinned: false,
            etag: "\"e\"".into(),
        };
        memo.insert("a".repeat(100), value(1));
        assert_eq!(memo.get(&"a".repeat(100)).unwrap().version, 1);
        memo.insert("b".repeat(100), value(2));
        memo.insert("c".repeat(100), value(3));
        assert!(memo.get(&"a".repeat(100)).is_none());
        assert_eq!(memo.get(&"c".repeat(100)).unwrap().version, 3);
    }

    #[test]
    fn replaces_and_refuses_huge_entries() {
        let cache = ResponseCache::new(100_000);
        cache.insert("a", entry(10));
        cache.insert("a", entry(20));
        assert_eq!(cache.get("a").unwrap().body.len(), 20);
        assert_eq!(cache.size(), 148);
        cache.insert("huge", entry(50_000));
        assert!(cache.get("huge").is_none());
    }
}

/// Renders in progress, by cache key: the first request for a key renders
/// it, and requests for the same key that arrive meanwhile wait for that
/// render instead of repeating it (a stampede of identical uncached
/// requests costs one query, not one each).
#[derive(Default)]
pub struct InFlight {
    renders: Mutex<HashMap<Arc<str>, Arc<Render>>>,
}

/// One render, set once by whichever request runs it.
type Render = tokio::sync::OnceCell<Arc<Rendered>>;

impl InFlight {
    /// The render of `key`: the cache's, one in progress, or `render`'s.
    /// A failed render is not shared: the next waiter renders in turn.
    pub async fn render<E, F>(
        &self,
        cache: &ResponseCache,
        key: &str,
        render: F,
    ) -> Result<Arc<Rendered>, E>
    where
        F: std::future::Future<Output = Result<Rendered, E>>,
    {
        if let Some(hit) = cache.get(key) {
            return Ok(hit);
        }
        let cell = {
            let mut renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
            renders
                .entry(Arc::from(key))
                .or_insert_with(|| Arc::new(tokio::sync::OnceCell::new()))
                .clone()
        };
        let result = cell
            .get_or_try_init(|| async {
                let fresh = Arc::new(render.await?);
                cache.insert(key, fresh.clone());
                Ok(fresh)
            })
            .await
            .cloned();
        // The last one out forgets the render; the cache has its bytes.
        // Each lets go of its handle before it looks, so of two finishing
        // together the later one always sees itself last (looking while
        // still holding it, both could see the other and neither remove it).
        let ours = Arc::as_ptr(&cell);
        drop(cell);
        let mut renders = self.renders.lock().unwrap_or_else(|e| e.into_inner());
        if renders
            .get(key)
            .is_some_and(|c| Arc::as_ptr(c) == ours && Arc::strong_count(c) == 1)
        {
            renders.remove(key);
        }
        result
    }

    /// Renders in progress now (for tests).
    pub fn len(&self) -> usize {
        self.renders.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
