//! Webhooks through the real binary: a receiver on loopback that fails
//! the first delivery and takes the second, a publish by `vitrina run`
//! while `vitrina serve` watches the outbox, and the Standard Webhooks
//! headers, signature and body the receiver gets.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vitrina_tests::{Install, Server, describe, http};

/// The spec's example secret.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ADMIN_TOKEN: &str = "webhooks-test-admin-token-0123456789";

/// One request the receiver got: its headers (names in lowercase) and body.
#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A receiver answering 500 to its first `failures` requests, then 204.
fn receiver(failures: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    receiver_on(TcpListener::bind("127.0.0.1:0").unwrap(), failures)
}

/// The same on a listener of the test's choosing.
fn receiver_on(listener: TcpListener, failures: usize) -> (String, Arc<Mutex<Vec<Received>>>) {
    let url = format!("http://{}/hooks/vitrina", listener.local_addr().unwrap());
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&received);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut headers = Vec::new();
            let mut line = String::new();
            reader.read_line(&mut line).unwrap_or_default();
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.trim_end().split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
                }
            }
            let length: usize = headers
                .iter()
                .find(|(n, _)| n == "content-length")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap_or_default();
            let count = {
                let mut log = log.lock().unwrap();
                log.push(Received { headers, body });
                log.len()
            };
            let status = if count <= failures {
                "500 Internal Server Error"
            } else {
                "204 No Content"
            };
            let _ = reader.get_mut().write_all(
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    (url, received)
}

#[test]
fn a_publish_is_delivered_signed_and_retried_until_taken() {
    let (url, received) = receiver(1);
    let install = Install::with_rows_plugin(&format!(
        "[[webhooks]]\nname = \"partner\"\nurl = \"{url}\"\nsecret = \"env:TEST_WEBHOOK_SECRET\"\n\
         events = [\"version.published\"]\nallow_private = true\n"
    ));
    install.add_dataset(
        "contracts",
        "title = \"Contracts\"\ndescription = \"Generated\"\nplugin = \"rows\"\n[config]\nrows = \"3\"\n",
    );
    let server = Server::start_with_env(
        &install,
        &["--no-initial-runs"],
        &[
            ("TEST_WEBHOOK_SECRET", SECRET),
            ("VITRINA_ADMIN_TOKEN", ADMIN_TOKEN),
        ],
    );
    server.wait_for_log("the webhooks ready", |l| l.contains("delivering webhooks"));
    // Published by another process: the outbox is in the store.
    let run = install.vitrina(&["run", "contracts"]);
    assert!(run.status.success(), "{}", describe(&run));

    let deadline = Instant::now() + Duration::from_secs(60);
    while received.lock().unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "not delivered twice in 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "taken on the second attempt, then not again");
    // The same message twice: one id, each attempt signed for its time.
    let (first, second) = (&got[0], &got[1]);
    assert!(first.header("webhook-id").starts_with("msg_"));
    assert_eq!(first.header("webhook-id"), second.header("webhook-id"));
    assert_eq!(first.body, second.body);
    let key = vitrina::daemon::webhooks::signing_key(SECRET).unwrap();
    for attempt in &got {
        let timestamp: i64 = attempt.header("webhook-timestamp").parse().unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((now - timestamp).abs() < 120, "{timestamp}");
        assert_eq!(
            attempt.header("webhook-signature"),
            vitrina::daemon::webhooks::signature(
                &key,
                attempt.header("webhook-id"),
                timestamp,
                &attempt.body
            )
        );
    }
    let body: serde_json::Value = serde_json::from_slice(&second.body).unwrap();
    assert_eq!(body["type"], "version.published");
    assert_eq!(body["data"]["dataset"], "contracts");
    assert_eq!(body["data"]["version"], 1);
    assert_eq!(body["data"]["row_count"], 3);
    assert_eq!(body["data"]["row_changes"]["added"], 3);
    let csv = body["data"]["links"]["csv"].as_str().unwrap();
    assert!(
        csv.ends_with("/api/v1/datasets/contracts/versions/1/data.csv"),
        "{csv}"
    );

    // The operator sees both attempts in the subscription's delivery log.
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let log = http(
        &server.addr,
        "GET",
        "/api/v1/admin/webhooks/partner/deliveries",
        &[("Authorization", bearer.as_str())],
    );
    assert_eq!(log.status, 200, "{}", log.text());
    let log = log.json();
    assert_eq!(log["pending"], 0);
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["event"]["id"], first.header("webhook-id"));
    assert_eq!(delivery["attempts"], 2);
    assert_eq!(delivery["last_status"], 204);
    assert!(delivery["delivered_at"].is_string(), "{log:#}");
}

/// A subscription over `url` with the test's secret, on loopback.
fn subscription(url: &str) -> String {
    format!(
        "[[webhooks]]\nname = \"partner\"\nurl = \"{url}\"\nsecret = \"env:TEST_WEBHOOK_SECRET\"\n\
         allow_private = true\n"
    )
}

#[test]
fn deliveries_pending_when_the_daemon_is_killed_are_made_after_it_restarts() {
    // The receiver is down at first: its port is known, nothing listens.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hooks/vitrina");
    let install = Install::with_rows_plugin(&subscription(&url));
    install.add_dataset(
        "contracts",
        "title = \"Contracts\"\ndescription = \"Generated\"\nplugin = \"rows\"\n[config]\nrows = \"3\"\n",
    );
    let env = [("TEST_WEBHOOK_SECRET", SECRET)];
    let server = Server::start_with_env(&install, &["--no-initial-runs"], &env);
    server.wait_for_log("the webhooks ready", |l| l.contains("delivering webhooks"));
    let run = install.vitrina(&["run", "contracts"]);
    assert!(run.status.success(), "{}", describe(&run));
    // Tried once, refused, waiting for its retry: then the daemon dies.
    let store = vitrina::store::sqlite::SqliteStore::open(&install.path().join("data")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let pending = loop {
        let log = vitrina::store::Store::delivery_log(&store, "partner", 10).unwrap();
        if log.first().is_some_and(|d| d.attempts >= 1) {
            break log[0].clone();
        }
        assert!(Instant::now() < deadline, "no attempt in 60 s: {log:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(pending.delivered_at.is_none() && pending.abandoned_at.is_none());
    server.signal("KILL");
    drop(server);

    // The receiver comes up, the daemon restarts: the event arrives once,
    // under the id it had.
    let (_, received) = receiver_on(TcpListener::bind(("127.0.0.1", port)).unwrap(), 0);
    let _server = Server::start_with_env(&install, &["--no-initial-runs"], &env);
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "not delivered after the restart");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(2500));
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "delivered once");
    assert_eq!(got[0].header("webhook-id"), pending.event.id);
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["type"], "version.published");
}

#[test]
fn a_subscription_added_by_a_reload_is_delivered_to() {
    let (url, received) = receiver(0);
    let install = Install::with_rows_plugin("");
    install.add_dataset(
        "contracts",
        "title = \"Contracts\"\ndescription = \"Generated\"\nplugin = \"rows\"\n[config]\nrows = \"2\"\n",
    );
    let env = [("TEST_WEBHOOK_SECRET", SECRET)];
    let server = Server::start_with_env(&install, &["--no-initial-runs"], &env);
    server.wait_for_log("the webhooks ready", |l| l.contains("delivering webhooks"));
    // The operator adds a subscription and reloads.
    let config = std::fs::read_to_string(install.config_path()).unwrap();
    std::fs::write(
        install.config_path(),
        format!("{config}\n{}", subscription(&url)),
    )
    .unwrap();
    server.signal("HUP");
    server.wait_for_log("the subscription in force", |l| {
        l.contains("webhook subscriptions in force") && l.contains("subscriptions=1")
    });
    let run = install.vitrina(&["run", "contracts"]);
    assert!(run.status.success(), "{}", describe(&run));
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "not delivered after the reload");
        std::thread::sleep(Duration::from_millis(100));
    }
    let got = received.lock().unwrap().clone();
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["data"]["dataset"], "contracts");
}

#[test]
fn subscriptions_made_through_the_admin_api_are_checked_delivered_kept_and_removed() {
    let (url, received) = receiver(0);
    // One subscription of vitrina.toml, which the API may not touch.
    let install = Install::with_rows_plugin(&format!(
        "[[webhooks]]\nname = \"configured\"\nurl = \"{url}\"\nsecret = \"env:TEST_WEBHOOK_SECRET\"\n\
         events = [\"run.failed\"]\nallow_private = true\n"
    ));
    install.add_dataset(
        "contracts",
        "title = \"Contracts\"\ndescription = \"Generated\"\nplugin = \"rows\"\n[config]\nrows = \"2\"\n",
    );
    // The operator's secret manager writes the secret to a file.
    let secret_file = install.path().join("partner.secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).unwrap();
    let env = [
        ("TEST_WEBHOOK_SECRET", SECRET),
        ("VITRINA_ADMIN_TOKEN", ADMIN_TOKEN),
    ];
    let server = Server::start_with_env(&install, &["--no-initial-runs"], &env);
    server.wait_for_log("the webhooks ready", |l| l.contains("delivering webhooks"));
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let auth = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "application/json"),
    ];
    let put = |addr: &str, name: &str, body: serde_json::Value| {
        vitrina_tests::http_with_body(
            addr,
            "PUT",
            &format!("/api/v1/admin/webhooks/{name}"),
            &auth,
            body.to_string().as_bytes(),
        )
    };
    let file_secret = format!("file:{}", secret_file.display());
    let partner = serde_json::json!({
        "url": url,
        "secret": file_secret,
        "datasets": ["contracts"],
        "events": ["version.published"],
        "allow_private": true,
    });

    // What is refused, and why.
    let mut literal = partner.clone();
    literal["secret"] = SECRET.into();
    let refused = put(&server.addr, "partner", literal);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("never the secret itself"));
    let mut loopback = partner.clone();
    loopback["allow_private"] = false.into();
    let refused = put(&server.addr, "partner", loopback);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("not a public address"));
    let mut unset = partner.clone();
    unset["secret"] = "env:VITRINA_TEST_NO_SUCH_SECRET".into();
    let refused = put(&server.addr, "partner", unset);
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("VITRINA_TEST_NO_SUCH_SECRET"));
    let mut unknown = partner.clone();
    unknown["datasets"] = serde_json::json!(["budget"]);
    assert_eq!(put(&server.addr, "partner", unknown).status, 422);
    let refused = put(&server.addr, "configured", partner.clone());
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(refused.text().contains("vitrina.toml"));
    let malformed = vitrina_tests::http_with_body(
        &server.addr,
        "PUT",
        "/api/v1/admin/webhooks/partner",
        &auth,
        b"{\"url\": 1}",
    );
    assert_eq!(malformed.status, 400, "{}", malformed.text());
    assert_eq!(malformed.json()["error"]["code"], "bad_body");

    // Made, then set again.
    let made = put(&server.addr, "partner", partner.clone());
    assert_eq!(made.status, 201, "{}", made.text());
    assert_eq!(
        made.header("location"),
        Some("/api/v1/admin/webhooks/partner")
    );
    assert_eq!(made.json()["origin"], "admin");
    assert_eq!(put(&server.addr, "partner", partner.clone()).status, 200);
    let listed = http(
        &server.addr,
        "GET",
        "/api/v1/admin/webhooks",
        &[("Authorization", bearer.as_str())],
    )
    .json();
    let origins: Vec<(&str, &str)> = listed["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["name"].as_str().unwrap(), w["origin"].as_str().unwrap()))
        .collect();
    assert_eq!(origins, [("configured", "config"), ("partner", "admin")]);
    assert_eq!(listed["webhooks"][1]["secret"], file_secret.as_str());
    assert!(!listed.to_string().contains(SECRET), "no secret is listed");

    // It is delivered to, signed with the file's secret.
    let run = install.vitrina(&["run", "contracts"]);
    assert!(run.status.success(), "{}", describe(&run));
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "not delivered in 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    let got = received.lock().unwrap()[0].clone();
    let key = vitrina::daemon::webhooks::signing_key(SECRET).unwrap();
    let timestamp: i64 = got.header("webhook-timestamp").parse().unwrap();
    assert_eq!(
        got.header("webhook-signature"),
        vitrina::daemon::webhooks::signature(&key, got.header("webhook-id"), timestamp, &got.body)
    );

    // The subscription outlives a restart; the store never saw the secret.
    assert!(server.terminate().success());
    let needle = SECRET.strip_prefix("whsec_").unwrap().as_bytes();
    for file in ["vitrina.sqlite3", "vitrina.sqlite3-wal"] {
        let bytes = std::fs::read(install.path().join("data").join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "the secret is not in {file}"
        );
    }
    let server = Server::start_with_env(&install, &["--no-initial-runs"], &env);
    let shown = http(
        &server.addr,
        "GET",
        "/api/v1/admin/webhooks/partner",
        &[("Authorization", bearer.as_str())],
    );
    assert_eq!(shown.status, 200, "{}", shown.text());
    assert_eq!(shown.json()["url"], url.as_str());

    // Removed: not delivered to any more.
    let delete = |name: &str| {
        http(
            &server.addr,
            "DELETE",
            &format!("/api/v1/admin/webhooks/{name}"),
            &[("Authorization", bearer.as_str())],
        )
    };
    assert_eq!(delete("configured").status, 409);
    assert_eq!(delete("partner").status, 200);
    assert_eq!(delete("partner").status, 404);
    server.wait_for_log("the subscription gone", |l| {
        l.contains("webhook subscriptions in force") && l.contains("subscriptions=1")
    });
    let run = install.vitrina(&["run", "contracts"]);
    assert!(run.status.success(), "{}", describe(&run));
    std::thread::sleep(Duration::from_millis(3000));
    assert_eq!(received.lock().unwrap().len(), 1, "nothing after removal");
}
