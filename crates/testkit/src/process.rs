//! A real server process for tests that must watch the process itself: its peak memory (VmHWM
//! from `/proc`), its open descriptors, whether it still answers `/health` while attacked.
//!
//! The caller passes the `carebook` binary (`env!("CARGO_BIN_EXE_carebook")` in the CLI's
//! tests); the server is started with `server start --listen 127.0.0.1:0` and its address read
//! from the one line it prints once bound.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `carebook server start` process on a free loopback port, stopped (SIGKILL) when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    process: Child,
    addr: String,
    stderr_path: PathBuf,
    /// `http` or `https`, as the server said.
    scheme: &'static str,
}

impl ServerProcess {
    /// Starts `binary server start` over `database` (a `sqlite://…` or `postgres://…` URL)
    /// with the data folder `data`, the extra environment `env` (e.g. `CAREBOOK_*` limits), and
    /// waits until it listens. Its standard error goes to `data/server.stderr`.
    pub fn start(binary: &Path, data: &Path, database: &str, env: &[(&str, &str)]) -> ServerProcess {
        Self::launch(binary, data, database, env, None, "127.0.0.1:0")
    }

    /// [`ServerProcess::start`] on `addr` (as a server restarted where its devices know it).
    pub fn start_on(binary: &Path, data: &Path, database: &str, addr: &str) -> ServerProcess {
        Self::launch(binary, data, database, &[], None, addr)
    }

    /// [`ServerProcess::start`] with the process's descriptor limit (RLIMIT_NOFILE, soft and
    /// hard) set to `nofile`: it is started through `sh -c 'ulimit -n …; exec …'`, so the pid is
    /// the server's own.
    pub fn start_with_nofile(binary: &Path, data: &Path, database: &str, env: &[(&str, &str)], nofile: u64) -> ServerProcess {
        Self::launch(binary, data, database, env, Some(nofile), "127.0.0.1:0")
    }

    fn launch(binary: &Path, data: &Path, database: &str, env: &[(&str, &str)], nofile: Option<u64>, listen: &str) -> ServerProcess {
        let stderr_path = data.join("server.stderr");
        let stderr = std::fs::File::create(&stderr_path).expect("a file for the server's stderr");
        let mut cmd = match nofile {
            None => Command::new(binary),
            Some(n) => {
                let mut sh = Command::new("sh");
                sh.arg("-c").arg(format!("ulimit -n {n} && exec \"$0\" \"$@\"")).arg(binary);
                sh
            }
        };
        cmd.arg("--data-dir").arg(data).args(["server", "start", "--listen", listen, "--database", database]);
        cmd.env_remove("CAREBOOK_DATA_DIR").env_remove("CAREBOOK_DATABASE_URL").env_remove("CAREBOOK_LISTEN");
        // The tests' office and administrator accounts sign in with a password alone (the second
        // factor has tests of its own); `env` may turn the requirement back on.
        cmd.env("CAREBOOK_REQUIRE_SECOND_FACTOR", "false");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut process = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(stderr).spawn().expect("the server binary runs");
        let stdout = process.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(60)).unwrap_or_default();
        let scheme = if line.contains("https://") { "https" } else { "http" };
        let Some(addr) = line.split("://").nth(1).and_then(|rest| rest.split_whitespace().next()).map(str::to_string) else {
            let _ = process.kill();
            let err = std::fs::read_to_string(&stderr_path).unwrap_or_default();
            panic!("the server did not start: {line:?}\n{err}");
        };
        ServerProcess { process, addr, stderr_path, scheme }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://…` when it serves HTTPS.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }

    /// A field of `/proc/PID/status` in KiB (`VmHWM`: the peak resident set; `VmRSS`: now).
    pub fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("the server is running");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field).and_then(|rest| rest.strip_prefix(':')))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/{}/status", self.pid()))
    }

    /// The peak resident memory so far, in MiB.
    pub fn peak_mib(&self) -> u64 {
        self.status_kib("VmHWM") / 1024
    }

    /// How many file descriptors the process has open now.
    pub fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).map(|d| d.count()).unwrap_or(0)
    }

    /// `GET /health` on a fresh connection ([`health`]).
    pub fn health(&self, limit: Duration) -> Option<(u16, Duration)> {
        health(&self.addr, limit)
    }

    /// What the server wrote to standard error so far (its log).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.process.try_wait(), Ok(None))
    }

    /// SIGTERM, then waits (at most 30 s) for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.process.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.process.try_wait().expect("waiting for the server") {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

/// `GET /health` of the server at `addr` on a fresh connection: the status code and the time it
/// took, or `None` when no whole answer came within `limit` (usable from a watcher thread).
pub fn health(addr: &str, limit: Duration) -> Option<(u16, Duration)> {
    let start = Instant::now();
    let mut s = TcpStream::connect_timeout(&addr.parse().ok()?, limit).ok()?;
    s.set_read_timeout(Some(limit)).ok()?;
    s.set_write_timeout(Some(limit)).ok()?;
    write!(s, "GET /health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").ok()?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer);
    let code = text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()?;
    let took = start.elapsed();
    (took <= limit).then_some((code, took))
}
