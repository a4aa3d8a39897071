//! moto's S3 (and CloudFront) server on a free loopback port, stopped when
//! dropped. Standard library only: `crates/aptkit-aws`'s tests include this
//! very file (`#[path]`), so that they need no dependency on this crate.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The environment of an AWS client talking to moto: credentials it accepts
/// (it checks none), a region, and never the instance metadata service
/// (whose link-local address a test must not reach for).
pub const MOTO_ENV: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "test"),
    ("AWS_SECRET_ACCESS_KEY", "test"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
    ("AWS_EC2_METADATA_DISABLED", "true"),
];

/// Put [`MOTO_ENV`] into this process's environment (for AWS clients made
/// in-process, which read credentials the standard way), once, before any
/// client reads it.
pub fn set_moto_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| MOTO_ENV.iter().for_each(|(k, v)| std::env::set_var(k, v)));
}

pub struct Moto {
    child: Child,
    /// The address it listens on (loopback unless [`Moto::start_on`]).
    host: String,
    pub port: u16,
    log: PathBuf,
}

impl Moto {
    /// Start a fresh server (empty: no buckets). Fails, never skips, when
    /// moto is not installed.
    pub fn start() -> Moto {
        Moto::start_on("127.0.0.1")
    }

    /// [`Moto::start`] on another address of this host: a Docker network's
    /// gateway, where containers on that network reach it.
    pub fn start_on(host: &str) -> Moto {
        let bin = moto_server();
        // A free port can be taken between asking and binding: try again.
        for _ in 0..3 {
            let port = TcpListener::bind((host, 0))
                .and_then(|l| l.local_addr())
                .unwrap_or_else(|e| panic!("no free port on {host}: {e}"))
                .port();
            let log = std::env::temp_dir().join(format!("aptkit-moto-{port}.log"));
            let log_file = std::fs::File::create(&log).expect("create the moto log");
            let child = Command::new(&bin)
                .args(["-H", host, "-p", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("dup the log file"))
                .stderr(log_file)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let mut moto = Moto { child, host: host.to_string(), port, log };
            if moto.wait_ready() {
                return moto;
            }
        }
        panic!("moto_server did not start on {host} (see {})", std::env::temp_dir().join("aptkit-moto-*.log").display())
    }

    /// Until the server answers HTTP; false if it died (its port was taken).
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if self.request("GET", "/").is_ok_and(|(status, _, _)| status > 0) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("moto_server did not answer within 60 s (log: {})", self.log.display())
    }

    /// `http://HOST:PORT` (`127.0.0.1` unless [`Moto::start_on`]).
    pub fn endpoint(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// Create a bucket (moto checks no signature, so a plain request does).
    pub fn create_bucket(&self, name: &str) {
        let (status, _, body) = self.request("PUT", &format!("/{name}")).expect("moto answers");
        assert_eq!(status, 200, "creating bucket {name} failed: {body}");
    }

    /// HEAD `path` (`/bucket/key`, percent-encoded) without any S3 client:
    /// (status, response headers as text).
    pub fn head(&self, path: &str) -> (u16, String) {
        let (status, headers, _) = self.request("HEAD", path).expect("moto answers");
        (status, headers)
    }

    /// The requests the server has answered so far, one line each as its
    /// log has them (`"PUT /bucket/key?partNumber=2&uploadId=… HTTP/1.1" 200 -`):
    /// what reached the server, whichever client sent it.
    pub fn requests(&self) -> Vec<String> {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.lines().filter(|l| l.contains(" HTTP/1.")).map(str::to_string).collect()
    }

    /// One HTTP/1.0 request without a body; (status, headers, body).
    fn request(&self, method: &str, path: &str) -> std::io::Result<(u16, String, String)> {
        let mut stream = TcpStream::connect((self.host.as_str(), self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        // Unsigned requests are anonymous and may not read private objects;
        // moto checks no signature, so any well-formed one will do.
        let auth =
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00";
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {}:{}\r\nAuthorization: {auth}\r\nContent-Length: 0\r\n\r\n",
            self.host, self.port
        )?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let text = String::from_utf8_lossy(&response);
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        Ok((status, headers.to_string(), body.to_string()))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// `$APTKIT_MOTO_SERVER`, else the venv that scripts/install-test-tools.sh
/// makes under the workspace's `target/`.
fn moto_server() -> PathBuf {
    if let Some(bin) = std::env::var_os("APTKIT_MOTO_SERVER") {
        return PathBuf::from(bin);
    }
    // This file is compiled in two packages: find the workspace root (the
    // directory with Cargo.lock) from whichever is building it.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.ancestors().find(|d| d.join("Cargo.lock").is_file()).unwrap_or(manifest);
    // moto_server, its requests serialized (see scripts/install-test-tools.sh).
    let bin = root.join("target/moto-venv/bin/aptkit-moto-server");
    assert!(bin.is_file(), "moto is not installed ({} is missing): run scripts/install-test-tools.sh", bin.display());
    bin
}
