//! Open-data portals on loopback that answer as the real ones do, for the
//! harvesters' tests: a CKAN Action API (`package_show`, `datastore_search`
//! with `limit`, `offset` and `sort`, a resource's file), with the faults a
//! real portal has: a server error, a slow page, a field list that changes
//! between runs; an OpenDataSoft Explore API; data.egov.bg's JSON over
//! POST. One [`Portal`] serves them all, each answering from its state
//! ([`PortalState`]), which tests change between runs through
//! [`Portal::state`].

use std::collections::HashMap;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

/// What the portal holds, and how it misbehaves.
#[derive(Debug, Clone, Default)]
pub struct CkanState {
    /// The dataset (`package_show`'s result); its resources name files
    /// under `/files/` and the DataStore resource's id.
    pub package: Value,
    /// The DataStore's columns, `(id, type)`, `_id` first.
    pub fields: Vec<(String, String)>,
    /// The DataStore's records, each with its `_id`.
    pub records: Vec<Value>,
    /// Files served under `/files/NAME`.
    pub files: Vec<(String, Vec<u8>)>,
    /// How many of the next requests answer 500.
    pub failures: usize,
    /// A DataStore page (by its offset) that takes this long.
    pub slow_page: Option<(usize, Duration)>,
}

/// A DataStore resource's entry in `package_show`.
pub fn datastore_resource(id: &str, name: &str, modified: &str) -> Value {
    json!({
        "id": id, "name": name, "format": "CSV", "datastore_active": true,
        "url": format!("/datastore/dump/{id}"), "last_modified": modified,
    })
}

/// A file resource's entry in `package_show`, served by `portal`.
pub fn file_resource(portal: &str, id: &str, file: &str, modified: &str) -> Value {
    json!({
        "id": id, "name": file, "format": "CSV", "datastore_active": false,
        "url": format!("{portal}/files/{file}"), "last_modified": modified,
    })
}

/// What a portal answers: status, content type, body, and how long it
/// waits before answering.
pub type Answer = (u16, &'static str, Vec<u8>, Option<Duration>);

/// A request a portal got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub body: Vec<u8>,
}

impl Received {
    /// The target's path, and its query's parameters.
    fn parts(&self) -> (String, HashMap<String, String>) {
        let url = url::Url::parse(&format!("http://portal{}", self.target)).expect("a target");
        (
            url.path().to_string(),
            url.query_pairs().into_owned().collect(),
        )
    }
}

/// What a portal holds decides how it answers.
pub trait PortalState: Send + 'static {
    /// How many of the next requests answer 500.
    fn failures(&mut self) -> &mut usize;

    /// The answer to a request the portal does not fail.
    fn answer(&self, request: &Received) -> Answer;

    /// The answer of a failing request: a server error page.
    fn failure(&self) -> Answer {
        (
            500,
            "text/html",
            b"<h1>Internal Server Error</h1>".to_vec(),
            None,
        )
    }
}

/// A portal on a free loopback port, answering from its state, which tests
/// change between runs; every request is kept.
pub struct Portal<S> {
    addr: SocketAddr,
    state: Arc<Mutex<S>>,
    requests: Arc<Mutex<Vec<Received>>>,
}

/// A CKAN portal.
pub type CkanPortal = Portal<CkanState>;
/// An OpenDataSoft portal.
pub type OdsPortal = Portal<OdsState>;
/// Bulgaria's national portal.
pub type EgovPortal = Portal<EgovState>;

impl<S: PortalState> Portal<S> {
    pub fn start(state: S) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("bound address");
        let state = Arc::new(Mutex::new(state));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (shared, log) = (Arc::clone(&state), Arc::clone(&requests));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (shared, log) = (Arc::clone(&shared), Arc::clone(&log));
                std::thread::spawn(move || answer(stream, &shared, &log));
            }
        });
        Self {
            addr,
            state,
            requests,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The portal's state, to change between runs.
    pub fn state(&self) -> std::sync::MutexGuard<'_, S> {
        self.state.lock().unwrap()
    }

    /// The requests so far, in order.
    pub fn requests(&self) -> Vec<Received> {
        self.requests.lock().unwrap().clone()
    }

    /// The paths and queries asked so far, in order.
    pub fn targets(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.target).collect()
    }
}

fn answer<S: PortalState>(mut stream: TcpStream, state: &Mutex<S>, log: &Mutex<Vec<Received>>) {
    let Some((method, target, body)) = crate::read_request(&stream) else {
        return;
    };
    let request = Received {
        method,
        target,
        body,
    };
    log.lock().unwrap().push(request.clone());
    let (status, content_type, body, wait) = {
        let mut state = state.lock().unwrap();
        let failures = state.failures();
        if *failures > 0 {
            *failures -= 1;
            state.failure()
        } else {
            state.answer(&request)
        }
    };
    if let Some(wait) = wait {
        std::thread::sleep(wait);
    }
    let head = format!(
        "HTTP/1.1 {status} Status\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

impl PortalState for CkanState {
    fn failures(&mut self) -> &mut usize {
        &mut self.failures
    }

    fn answer(&self, request: &Received) -> Answer {
        let (path, query) = request.parts();
        route(self, &path, &query)
    }
}

impl PortalState for OdsState {
    fn failures(&mut self) -> &mut usize {
        &mut self.failures
    }

    fn answer(&self, request: &Received) -> Answer {
        let (path, query) = request.parts();
        ods_route(self, &path, &query)
    }
}

impl PortalState for EgovState {
    fn failures(&mut self) -> &mut usize {
        &mut self.failures
    }

    fn failure(&self) -> Answer {
        egov_answer(
            500,
            json!({ "success": false, "error": { "type": "General", "message": "Internal error" } }),
            self.delay,
        )
    }

    /// `POST /api/getResourceData` with `{"resource_uri": ...}`.
    fn answer(&self, request: &Received) -> Answer {
        if request.method != "POST" || request.target != "/api/getResourceData" {
            return egov_answer(
                404,
                json!({ "success": false, "error": { "type": "General", "message": "Not found" } }),
                self.delay,
            );
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let uri = body["resource_uri"].as_str().unwrap_or_default();
        match self.resources.iter().find(|(u, _)| u == uri) {
            Some((_, data)) => {
                egov_answer(200, json!({ "success": true, "data": data }), self.delay)
            }
            None => egov_answer(
                200,
                json!({ "success": false, "error": { "type": "General", "message": "Resource not found" } }),
                self.delay,
            ),
        }
    }
}

fn egov_answer(status: u16, body: Value, wait: Option<Duration>) -> Answer {
    (
        status,
        "application/json",
        body.to_string().into_bytes(),
        wait,
    )
}

fn action(result: Value) -> Answer {
    let body = json!({ "help": "http://portal/api/3/action/help_show", "success": true, "result": result });
    (
        200,
        "application/json;charset=utf-8",
        body.to_string().into_bytes(),
        None,
    )
}

fn not_found(message: &str) -> Answer {
    let body =
        json!({ "success": false, "error": { "__type": "Not Found Error", "message": message } });
    (
        404,
        "application/json;charset=utf-8",
        body.to_string().into_bytes(),
        None,
    )
}

fn route(state: &CkanState, path: &str, query: &HashMap<String, String>) -> Answer {
    match path {
        "/api/3/action/package_show" => {
            let id = query.get("id").map(String::as_str).unwrap_or_default();
            if state.package["name"] == id || state.package["id"] == id {
                action(state.package.clone())
            } else {
                not_found("Not found")
            }
        }
        "/api/3/action/datastore_search" => datastore_search(state, query),
        _ => match path.strip_prefix("/files/") {
            Some(name) => match state.files.iter().find(|(n, _)| n == name) {
                Some((_, bytes)) => (200, "text/csv", bytes.clone(), None),
                None => (404, "text/html", b"not found".to_vec(), None),
            },
            None => not_found("no such action"),
        },
    }
}

fn datastore_search(state: &CkanState, query: &HashMap<String, String>) -> Answer {
    let resource = query.get("resource_id").cloned().unwrap_or_default();
    let known = state.package["resources"].as_array().is_some_and(|r| {
        r.iter()
            .any(|r| r["id"] == resource.as_str() && r["datastore_active"] == true)
    });
    if !known {
        return not_found(&format!("Resource \"{resource}\" was not found."));
    }
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(100);
    let offset: usize = query
        .get("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let mut records = state.records.clone();
    if let Some(sort) = query.get("sort") {
        let (field, direction) = sort.split_once(' ').unwrap_or((sort.as_str(), "asc"));
        records.sort_by(|a, b| compare(&a[field], &b[field]));
        if direction.eq_ignore_ascii_case("desc") {
            records.reverse();
        }
    }
    let page: Vec<Value> = records.iter().skip(offset).take(limit).cloned().collect();
    let fields: Vec<Value> = state
        .fields
        .iter()
        .map(|(id, kind)| json!({ "id": id, "type": kind }))
        .collect();
    let wait = state
        .slow_page
        .filter(|(at, _)| *at == offset)
        .map(|(_, wait)| wait);
    let mut answer = action(json!({
        "resource_id": resource,
        "fields": fields,
        "records": page,
        "total": records.len(),
        "limit": limit,
        "offset": offset,
        "_links": {
            "start": format!("/api/3/action/datastore_search?resource_id={resource}&limit={limit}"),
            "next": format!("/api/3/action/datastore_search?resource_id={resource}&limit={limit}&offset={}", offset + limit),
        },
    }));
    answer.3 = wait;
    answer
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => a
            .as_str()
            .unwrap_or_default()
            .cmp(b.as_str().unwrap_or_default()),
    }
}

/// What an OpenDataSoft portal holds, and how it misbehaves.
#[derive(Debug, Clone, Default)]
pub struct OdsState {
    /// The dataset's identifier.
    pub dataset: String,
    /// Its title (`metas.default.title`).
    pub title: String,
    /// Its fields, `(name, type, label)`.
    pub fields: Vec<(String, String, String)>,
    /// Its records, objects keyed by field name.
    pub records: Vec<Value>,
    /// How many of the next requests answer 500.
    pub failures: usize,
    /// A records page (by its offset) that takes this long.
    pub slow_page: Option<(usize, Duration)>,
}

fn ods_error(status: u16, code: &str, message: &str) -> Answer {
    let body = json!({ "error_code": code, "message": message });
    (
        status,
        "application/json; charset=utf-8",
        body.to_string().into_bytes(),
        None,
    )
}

/// The records a `where` of the form `field > "value"` keeps.
fn ods_where(records: &[Value], clause: Option<&String>) -> Result<Vec<Value>, String> {
    let Some(clause) = clause else {
        return Ok(records.to_vec());
    };
    let (field, value) = clause
        .split_once('>')
        .ok_or_else(|| format!("unsupported where: {clause}"))?;
    let (field, value) = (
        field.trim(),
        value.trim().trim_matches('"').trim_matches('\''),
    );
    Ok(records
        .iter()
        .filter(|r| r[field].as_str().is_some_and(|v| v > value))
        .cloned()
        .collect())
}

fn ods_route(state: &OdsState, path: &str, query: &HashMap<String, String>) -> Answer {
    let Some(rest) = path.strip_prefix("/api/explore/v2.1/catalog/datasets/") else {
        return ods_error(404, "NotFound", "no such path");
    };
    let (id, what) = rest.split_once('/').unwrap_or((rest, ""));
    if id != state.dataset {
        return ods_error(404, "DatasetNotFound", &format!("Unknown dataset: {id}"));
    }
    let records = match ods_where(&state.records, query.get("where")) {
        Ok(records) => records,
        Err(message) => return ods_error(400, "ODSQLError", &message),
    };
    let json_type = "application/json; charset=utf-8";
    match what {
        "" => {
            let fields: Vec<Value> = state
                .fields
                .iter()
                .map(|(name, kind, label)| json!({ "name": name, "type": kind, "label": label, "description": null }))
                .collect();
            let body = json!({
                "dataset_id": state.dataset,
                "metas": { "default": { "title": state.title, "modified": "2024-02-01T10:00:00+00:00" } },
                "fields": fields,
            });
            (200, json_type, body.to_string().into_bytes(), None)
        }
        "exports/jsonl" => {
            let mut body = String::new();
            for record in &records {
                body.push_str(&record.to_string());
                body.push('\n');
            }
            (200, "application/jsonl", body.into_bytes(), None)
        }
        "records" => {
            let limit: usize = query
                .get("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(10);
            let offset: usize = query
                .get("offset")
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            if limit > 100 {
                return ods_error(
                    400,
                    "InvalidRESTParameterError",
                    "Invalid value for limit API parameter: 101 was found but -1 <= limit <= 100 is expected.",
                );
            }
            if offset + limit > 10000 {
                return ods_error(
                    400,
                    "InvalidRESTParameterError",
                    "Invalid value for offset API parameter: offset + limit must be lower or equal to 10000.",
                );
            }
            let mut records = records;
            if let Some(order) = query.get("order_by") {
                let field = order
                    .split(',')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                records.sort_by(|a, b| compare(&a[&field], &b[&field]));
            }
            let page: Vec<Value> = records.iter().skip(offset).take(limit).cloned().collect();
            let wait = state
                .slow_page
                .filter(|(at, _)| *at == offset)
                .map(|(_, w)| w);
            let body = json!({ "total_count": records.len(), "results": page });
            (200, json_type, body.to_string().into_bytes(), wait)
        }
        _ => ods_error(404, "NotFound", "no such path"),
    }
}

/// What Bulgaria's national portal (data.egov.bg) holds for the tests:
/// resources by URI, each the `data` that `getResourceData` answers.
#[derive(Debug, Clone, Default)]
pub struct EgovState {
    pub resources: Vec<(String, Value)>,
    /// How many of the next requests answer 500.
    pub failures: usize,
    /// How long every answer takes.
    pub delay: Option<Duration>,
}
