//! A loopback HTTP proxy in front of moto that sees every request an S3
//! client makes, and can hold one or fail some: the moments and the faults
//! of the crash and fault tests are exact, not timed.
//!
//! - every request is logged: method, path, body size, the status returned;
//! - [`Proxy::hold_write`]: the Nth write (PUT, POST, DELETE) from now is
//!   held unanswered, unforwarded, until [`Proxy::release`] drops it (the
//!   test kills the client meanwhile);
//! - [`Proxy::fault`]: matching requests get a 5xx, a reset connection or a
//!   delay instead of (or before) moto's answer.
//!
//! One request per connection (`Connection: close` both ways): simple to
//! frame, and the SDK reconnects as it would to any server that closes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    /// Path and query, as sent (`/bucket/key?uploads`).
    pub path: String,
    pub body_len: usize,
    /// Whether the request carried `If-None-Match` (a put-if-absent).
    pub conditional: bool,
    /// Whether it was a server-side copy (`x-amz-copy-source`).
    pub copy: bool,
    /// The status sent back; 0 if none was (held, reset).
    pub status: u16,
}

impl Logged {
    pub fn is_write(&self) -> bool {
        matches!(self.method.as_str(), "PUT" | "POST" | "DELETE")
    }
}

/// What to do to a matching request.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    /// Answer this status (an S3-style XML error body), forward nothing.
    Status(u16),
    /// Close the connection without an answer, forward nothing.
    Reset,
    /// Forward it, after this delay.
    Delay(Duration),
}

struct Rule {
    method: Option<&'static str>,
    path_contains: String,
    fault: Fault,
    left: usize,
}

#[derive(Default)]
struct State {
    log: Vec<Logged>,
    writes: usize,
    /// Hold the write with this number (counted in `writes`).
    hold_at: Option<usize>,
    /// Hold the first write whose path contains this.
    hold_path: Option<String>,
    held: Option<Logged>,
    released: bool,
    /// On release, send the held request on instead of dropping it.
    forward_held: bool,
    rules: Vec<Rule>,
}

pub struct Proxy {
    port: u16,
    shared: Arc<(Mutex<State>, Condvar)>,
}

impl Proxy {
    /// A proxy on a free loopback port forwarding to `127.0.0.1:upstream`.
    pub fn start(upstream: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let accepting = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let shared = accepting.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, upstream, &shared);
                });
            }
        });
        Proxy { port, shared }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Logged> {
        self.shared.0.lock().unwrap().log.clone()
    }

    /// Forget the log (the write count keeps counting).
    pub fn clear_log(&self) {
        self.shared.0.lock().unwrap().log.clear();
    }

    /// Hold the `n`th write from now (1: the next one).
    pub fn hold_write(&self, n: usize) {
        let mut state = self.shared.0.lock().unwrap();
        state.hold_at = Some(state.writes + n);
        state.held = None;
        state.released = false;
        state.forward_held = false;
    }

    /// Hold the next write whose path contains `path_contains`.
    pub fn hold_write_to(&self, path_contains: &str) {
        let mut state = self.shared.0.lock().unwrap();
        state.hold_path = Some(path_contains.to_string());
        state.held = None;
        state.released = false;
        state.forward_held = false;
    }

    /// Wait until the write asked for is held; `None` if `stop` says to
    /// give up first (the client finished without making it).
    pub fn wait_held(&self, mut stop: impl FnMut() -> bool) -> Option<Logged> {
        let (lock, cvar) = &*self.shared;
        let mut state = lock.lock().unwrap();
        loop {
            if let Some(held) = &state.held {
                return Some(held.clone());
            }
            if stop() {
                return None;
            }
            state = cvar.wait_timeout(state, Duration::from_millis(20)).unwrap().0;
        }
    }

    /// Drop the held request (never forwarded) and hold nothing more.
    pub fn release(&self) {
        self.let_go(false);
    }

    /// Send the held request on, late, as a writer paused before it
    /// would, and hold nothing more. Its answer is logged.
    pub fn forward_held(&self) {
        self.let_go(true);
    }

    fn let_go(&self, forward: bool) {
        let (lock, cvar) = &*self.shared;
        let mut state = lock.lock().unwrap();
        state.hold_at = None;
        state.hold_path = None;
        state.released = true;
        state.forward_held = forward;
        cvar.notify_all();
    }

    /// Apply `fault` to the next `count` requests of `method` (any if
    /// `None`) whose path contains `path_contains`.
    pub fn fault(&self, method: Option<&'static str>, path_contains: &str, fault: Fault, count: usize) {
        let rule = Rule { method, path_contains: path_contains.to_string(), fault, left: count };
        self.shared.0.lock().unwrap().rules.push(rule);
    }

    pub fn clear_faults(&self) {
        self.shared.0.lock().unwrap().rules.clear();
    }
}

fn serve(mut client: TcpStream, upstream: u16, shared: &(Mutex<State>, Condvar)) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let end = line == "\r\n";
        head.push(line);
        if end {
            break;
        }
    }
    let (method, path) = {
        let mut parts = head[0].split_whitespace();
        (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string())
    };
    let header = |name: &str| {
        head.iter().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    if header("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        client.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = read_body(&mut reader, header("content-length"), header("transfer-encoding"))?;
    let mut logged = Logged {
        method: method.clone(),
        path: path.clone(),
        body_len: body.len(),
        conditional: header("if-none-match").is_some(),
        copy: header("x-amz-copy-source").is_some(),
        status: 0,
    };

    // Hold, fault, or forward.
    let (lock, cvar) = shared;
    let fault = {
        let mut state = lock.lock().unwrap();
        if logged.is_write() {
            state.writes += 1;
            let by_path = state.hold_path.as_ref().is_some_and(|p| path.contains(p.as_str()));
            if state.hold_at == Some(state.writes) || (by_path && state.held.is_none()) {
                state.held = Some(logged.clone());
                cvar.notify_all();
                while !state.released {
                    state = cvar.wait(state).unwrap();
                }
                if !state.forward_held {
                    state.log.push(logged.clone());
                    return Ok(());
                }
            }
        }
        let rule = state
            .rules
            .iter_mut()
            .find(|r| r.left > 0 && r.method.is_none_or(|m| m == method) && path.contains(&r.path_contains));
        rule.map(|r| {
            r.left -= 1;
            r.fault
        })
    };
    match fault {
        Some(Fault::Status(status)) => {
            let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code>\
                        <Message>injected by the test proxy</Message></Error>";
            let answer = format!(
                "HTTP/1.1 {status} Injected\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(answer.as_bytes())?;
            logged.status = status;
            lock.lock().unwrap().log.push(logged);
            return Ok(());
        }
        Some(Fault::Reset) => {
            lock.lock().unwrap().log.push(logged);
            let _ = client.shutdown(std::net::Shutdown::Both);
            return Ok(());
        }
        Some(Fault::Delay(d)) => std::thread::sleep(d),
        None => {}
    }
    let mut up = TcpStream::connect(("127.0.0.1", upstream))?;
    for line in &head {
        let name = line.split(':').next().unwrap_or("").trim().to_ascii_lowercase();
        if !matches!(name.as_str(), "connection" | "expect" | "keep-alive") && line != "\r\n" {
            up.write_all(line.as_bytes())?;
        }
    }
    up.write_all(b"Connection: close\r\n\r\n")?;
    up.write_all(&body)?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer)?;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n").map_or(answer.len(), |p| p + 4);
    let (answer_head, answer_body) = answer.split_at(split);
    let answer_head = String::from_utf8_lossy(answer_head);
    logged.status = answer_head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut out = String::new();
    for line in answer_head.split("\r\n").filter(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    lock.lock().unwrap().log.push(logged);
    client.write_all(out.as_bytes())?;
    client.write_all(answer_body)?;
    client.flush()
}

/// A request body, framed by Content-Length or chunked (kept as sent).
fn read_body(
    reader: &mut BufReader<TcpStream>,
    length: Option<String>,
    encoding: Option<String>,
) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if encoding.is_some_and(|e| e.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            body.extend_from_slice(size_line.as_bytes());
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
            if size == 0 {
                return Ok(body);
            }
        }
    }
    let len: usize = length.and_then(|l| l.parse().ok()).unwrap_or(0);
    body.resize(len, 0);
    reader.read_exact(&mut body)?;
    Ok(body)
}
