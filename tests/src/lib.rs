//! The harness shared by the end-to-end tests: a fixture HTTP server on
//! loopback, throw-away Vitrina installations (a `vitrina.toml`, datasets,
//! fixtures) in temporary folders, and a way to run the real binary.
//!
//! Tests never touch the internet: sources are files served from
//! 127.0.0.1 by [`FixtureServer`], which also plays the hostile servers
//! (one that never answers, one that redirects where it should not).

pub mod portals;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the repo")
        .to_path_buf()
}

/// The `vitrina` binary cargo built for this test run.
pub fn vitrina_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("VITRINA_BIN") {
        return PathBuf::from(path);
    }
    // Test executables live in target/<profile>/deps; the binary one level up.
    let exe = std::env::current_exe().expect("the test knows its own path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .join("vitrina");
    assert!(
        bin.is_file(),
        "{} is missing: build it with `cargo build -p vitrina-cli`",
        bin.display()
    );
    bin
}

/// A small HTTP/1.1 server on 127.0.0.1 serving files from a folder, plus
/// a few misbehaving routes:
/// - `/hang`: accepts, reads the request, never answers;
/// - `/redirect?to=URL`: `302` to `URL`;
/// - `/status/N`: an empty response with status `N`.
pub struct FixtureServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<(Instant, String)>>>,
    stop: Arc<AtomicBool>,
}

impl FixtureServer {
    /// Serves `root` on a free loopback port until dropped.
    pub fn start(root: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("bound address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (root, log, flag) = (root.to_path_buf(), Arc::clone(&requests), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let (root, log, flag) = (root.clone(), Arc::clone(&log), Arc::clone(&flag));
                std::thread::spawn(move || serve(stream, &root, &log, &flag));
            }
        });
        Self {
            addr,
            requests,
            stop,
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The request paths served so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|(_, path)| path.clone())
            .collect()
    }

    /// When each request arrived, in order.
    pub fn request_times(&self) -> Vec<Instant> {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .map(|(at, _)| *at)
            .collect()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Routes besides files: `/hang` never answers, `/redirect?to=URL`
/// redirects, `/status/N` answers N, and `/flaky/N/PATH` serves the file
/// PATH once the server has answered N requests under `/flaky/` with 503
/// (a source down for a while).
fn serve(
    mut stream: TcpStream,
    root: &Path,
    log: &Mutex<Vec<(Instant, String)>>,
    stop: &AtomicBool,
) {
    let Some(path) = read_request_path(&stream) else {
        return;
    };
    let earlier = {
        let mut log = log.lock().unwrap();
        let earlier = log.iter().filter(|(_, p)| p.starts_with("/flaky/")).count();
        log.push((Instant::now(), path.clone()));
        earlier
    };
    let (route, query) = path.split_once('?').unwrap_or((path.as_str(), ""));
    let response = if route == "/hang" {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
        return;
    } else if route == "/redirect" {
        let to = query.strip_prefix("to=").unwrap_or("/");
        format!(
            "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        .into_bytes()
    } else if let Some((failures, file)) = route
        .strip_prefix("/flaky/")
        .and_then(|rest| rest.split_once('/'))
    {
        if earlier < failures.parse().unwrap_or(0) {
            b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec()
        } else {
            file_response(root, &format!("/{file}"))
        }
    } else if let Some(code) = route.strip_prefix("/status/") {
        format!("HTTP/1.1 {code} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .into_bytes()
    } else {
        file_response(root, route)
    };
    let _ = stream.write_all(&response);
}

/// The method, target and body of the request on `stream`.
pub(crate) fn read_request(stream: &TcpStream) -> Option<(String, String, Vec<u8>)> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header == "\r\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut parts = request_line.split_whitespace();
    Some((parts.next()?.to_string(), parts.next()?.to_string(), body))
}

fn read_request_path(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header == "\r\n" {
            break;
        }
    }
    request_line.split_whitespace().nth(1).map(str::to_string)
}

fn file_response(root: &Path, route: &str) -> Vec<u8> {
    let relative = route.trim_start_matches('/');
    let path = root.join(if relative.is_empty() {
        "index.html"
    } else {
        relative
    });
    let mut body = Vec::new();
    let found = !relative.contains("..")
        && std::fs::File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut body))
            .is_ok();
    if !found {
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .to_vec();
    }
    let content_type = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html",
        Some("json") => "application/json",
        Some("csv") => "text/csv",
        _ => "application/octet-stream",
    };
    let mut response =
        format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len())
            .into_bytes();
    response.extend_from_slice(&body);
    response
}

/// A throw-away Vitrina installation: `vitrina.toml`, `datasets/`, `data/`.
pub struct Install {
    pub dir: tempfile::TempDir,
}

impl Install {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(dir.path().join("datasets")).unwrap();
        std::fs::write(
            dir.path().join("vitrina.toml"),
            "data_dir = \"data\"\ndatasets_dir = \"datasets\"\n\n[operator]\nname = \"Tests\"\ncontact = \"tests@example.invalid\"\n",
        )
        .unwrap();
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config_path(&self) -> PathBuf {
        self.path().join("vitrina.toml")
    }

    /// Adds a dataset with this `dataset.toml` text; returns its folder.
    pub fn add_dataset(&self, id: &str, toml: &str) -> PathBuf {
        let dir = self.path().join("datasets").join(id);
        std::fs::create_dir_all(dir.join("fixtures")).unwrap();
        std::fs::write(dir.join("dataset.toml"), toml).unwrap();
        dir
    }

    /// Copies a folder of fixtures into the dataset's `fixtures/`.
    pub fn copy_fixtures(&self, id: &str, from: &Path) {
        copy_dir(
            from,
            &self.path().join("datasets").join(id).join("fixtures"),
        );
    }

    /// An installation whose `plugins_dir` holds the `rows` development
    /// plugin (generated procurement-like rows), with `extra` appended to
    /// `vitrina.toml`.
    pub fn with_rows_plugin(extra: &str) -> Self {
        let install = Self::new();
        let plugins = install.path().join("plugins");
        std::fs::create_dir_all(&plugins).unwrap();
        let wasm = vitrina_bundle::development_component("rows").expect("the rows plugin is built");
        std::fs::copy(wasm, plugins.join("rows.wasm")).unwrap();
        let config = std::fs::read_to_string(install.config_path()).unwrap();
        std::fs::write(
            install.config_path(),
            format!("plugins_dir = \"plugins\"\n{config}\n{extra}\n"),
        )
        .unwrap();
        install
    }

    /// Runs the real binary with this installation's configuration.
    pub fn vitrina(&self, args: &[&str]) -> Output {
        Command::new(vitrina_bin())
            .arg("--config")
            .arg(self.config_path())
            .args(args)
            .current_dir(self.path())
            .output()
            .expect("run vitrina")
    }
}

impl Default for Install {
    fn default() -> Self {
        Self::new()
    }
}

/// Copies a folder tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Turns a copy of the projects fixtures into version 2's source: one
/// budget changed, one project removed, one added.
pub fn projects_version_two(root: &Path) {
    let seed = root.join("projects/inovativni-modeli.html");
    let page = std::fs::read_to_string(&seed)
        .unwrap()
        .replace("454 090, 00 лв.", "460 000,00 лв.");
    std::fs::write(&seed, page).unwrap();
    let listing = root.join("index-2.html");
    let text = std::fs::read_to_string(&listing)
        .unwrap()
        .replace("preventsiya-navodneniya", "nov-proekt");
    std::fs::write(&listing, text).unwrap();
    let new_page = std::fs::read_to_string(root.join("projects/preventsiya-navodneniya.html"))
        .unwrap()
        .replace(
            "СЪВМЕСТНИ ДЕЙСТВИЯ ЗА ПРЕВЕНЦИЯ НА НАВОДНЕНИЯ",
            "НОВ ПРОЕКТ ЗА ПРЕВЕНЦИЯ НА НАВОДНЕНИЯ",
        );
    std::fs::write(root.join("projects/nov-proekt.html"), new_page).unwrap();
}

/// stdout and stderr as text, for assertion messages.
pub fn describe(output: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A response read off the wire, for tests that check headers exactly.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Sends one HTTP/1.1 request over a fresh connection and reads the whole
/// response (chunked or not). Plain sockets: the test sees exactly what
/// the server sent, no client decoding in between.
pub fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    http_with_body(addr, method, path, headers, &[])
}

/// The same with a request body (its `Content-Length` is added).
pub fn http_with_body(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_response(&raw, method == "HEAD")
}

/// `GET` with no extra headers.
pub fn get(addr: &str, path: &str) -> HttpResponse {
    http(addr, "GET", path, &[])
}

/// Asks for `path` with `Accept-Encoding: coding` until the server has a
/// compressed copy to send (it compresses new versions in the background).
pub fn wait_for_compressed(addr: &str, path: &str, coding: &str) -> HttpResponse {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = http(addr, "GET", path, &[("Accept-Encoding", coding)]);
        if response.header("content-encoding") == Some(coding) {
            return response;
        }
        assert_eq!(response.status, 200, "{path}: {}", response.text());
        assert!(
            Instant::now() < deadline,
            "no {coding} copy of {path} after 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn parse_response(raw: &[u8], head_only: bool) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if head_only {
        Vec::new()
    } else if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    HttpResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(end) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        let start = end + 2;
        if size == 0 || data.len() < start + size {
            break;
        }
        body.extend_from_slice(&data[start..start + size]);
        data = &data[(start + size + 2).min(data.len())..];
    }
    body
}

/// A `vitrina serve` process on a free loopback port, killed when dropped.
pub struct Server {
    pub child: std::process::Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// Every line the server wrote on stderr so far.
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `vitrina serve` for an installation and waits until it answers.
    pub fn start(install: &Install, extra: &[&str]) -> Server {
        Self::start_with_env(install, extra, &[])
    }

    /// [`Server::start`] with extra environment variables.
    pub fn start_with_env(install: &Install, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = Command::new(vitrina_bin());
        command
            .arg("--config")
            .arg(install.config_path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .envs(env.iter().copied())
            .current_dir(install.path());
        Self::spawn(command)
    }

    /// Starts a `vitrina serve` command built by the caller (which must
    /// listen on `127.0.0.1:0`) and waits until it answers.
    pub fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start vitrina serve");
        let stderr = child.stderr.take().expect("piped stderr");
        let (sender, receiver) = std::sync::mpsc::channel();
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent
                    && let Some(rest) = line
                        .split("serving")
                        .nth(1)
                        .and_then(|r| r.split("on http://").nth(1))
                {
                    let addr = rest.split('/').next().unwrap_or_default().to_string();
                    let _ = sender.send(addr);
                    sent = true;
                }
                eprintln!("[serve] {line}");
                lines.lock().unwrap().push(line);
            }
        });
        let addr = receiver
            .recv_timeout(Duration::from_secs(120))
            .expect("vitrina serve announced its address");
        Server { child, addr, log }
    }

    /// The stderr lines so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// Waits until a stderr line satisfies `wanted`; returns it.
    pub fn wait_for_log(&self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(line) = self.log().into_iter().find(|l| wanted(l)) {
                return line;
            }
            assert!(Instant::now() < deadline, "no log line {what} after 60 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends a signal (`HUP`, `TERM`) to the server.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} failed");
    }

    /// Sends SIGTERM and waits for the process to exit; returns its status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        // Dropping afterwards is harmless: killing an exited child is a no-op.
        self.child.wait().expect("wait for vitrina serve")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The componentize-py release the Python SDK is tested with.
const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

/// componentize-py for the Python plugins' tests: `VITRINA_COMPONENTIZE_PY`,
/// else the one `.ci/run` installs in `target/python`, else one installed
/// here once into `target/toolchains/python` (from PyPI, with the machine's
/// python3), so `cargo test --workspace` needs nothing set up by hand.
pub fn componentize_py() -> PathBuf {
    static TOOL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TOOL.get_or_init(|| {
        if let Some(tool) = std::env::var_os("VITRINA_COMPONENTIZE_PY") {
            return PathBuf::from(tool);
        }
        let target = repo_root().join("target");
        let ci = target.join("python/bin/componentize-py");
        if ci.is_file() {
            return ci;
        }
        let venv = target.join("toolchains/python");
        let tool = venv.join("bin/componentize-py");
        if !tool.is_file() {
            let made = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 makes a venv for componentize-py");
            assert!(made.success(), "python3 -m venv {}", venv.display());
            let installed = Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", COMPONENTIZE_PY])
                .status()
                .expect("pip installs componentize-py");
            assert!(installed.success(), "pip install {COMPONENTIZE_PY}");
        }
        tool
    })
    .clone()
}

/// componentize-js for the JavaScript plugins' tests:
/// `VITRINA_COMPONENTIZE_JS`, else the one installed once into
/// `target/toolchains/js` by `npm ci` from `plugins/sdk-js`'s lock (the
/// machine's Node.js and npm), so `cargo test --workspace` needs nothing set
/// up by hand.
pub fn componentize_js() -> PathBuf {
    static TOOL: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TOOL.get_or_init(|| {
        if let Some(tool) = std::env::var_os("VITRINA_COMPONENTIZE_JS") {
            return PathBuf::from(tool);
        }
        let dir = repo_root().join("target/toolchains/js");
        let tool = dir.join("node_modules/.bin/componentize-js");
        if !tool.exists() {
            std::fs::create_dir_all(&dir).unwrap();
            for file in ["package.json", "package-lock.json"] {
                std::fs::copy(
                    repo_root().join("plugins/sdk-js").join(file),
                    dir.join(file),
                )
                .unwrap();
            }
            let installed = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir)
                .status()
                .expect("npm installs componentize-js");
            assert!(installed.success(), "npm ci in {}", dir.display());
        }
        tool
    })
    .clone()
}

/// A Python plugin of `plugins/<name>`, built once per test process by
/// `vitrina plugin build` (the real command an author runs).
pub fn python_plugin(name: &str) -> PathBuf {
    language_plugin(name)
}

/// A JavaScript plugin of `plugins/<name>`, built the same way.
pub fn js_plugin(name: &str) -> PathBuf {
    language_plugin(name)
}

/// A plugin of `plugins/<name>` in Python or JavaScript, built once per
/// test process by `vitrina plugin build`.
fn language_plugin(name: &str) -> PathBuf {
    static BUILT: Mutex<Vec<(String, PathBuf)>> = Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, path)) = built.iter().find(|(n, _)| n == name) {
        return path.clone();
    }
    let out = repo_root().join("target/test-plugins");
    std::fs::create_dir_all(&out).unwrap();
    let wasm = out.join(format!("{name}.wasm"));
    let folder = repo_root().join("plugins").join(name);
    let mut command = Command::new(vitrina_bin());
    command
        .args(["plugin", "build"])
        .arg(&folder)
        .arg("-o")
        .arg(&wasm);
    // Only the toolchain the plugin's language needs.
    if folder.join("app.py").is_file() {
        command.env("VITRINA_COMPONENTIZE_PY", componentize_py());
    } else {
        command.env("VITRINA_COMPONENTIZE_JS", componentize_js());
    }
    let output = command.output().expect("vitrina plugin build runs");
    assert!(
        output.status.success(),
        "vitrina plugin build plugins/{name}: {}",
        describe(&output)
    );
    built.push((name.to_string(), wasm.clone()));
    wasm
}
