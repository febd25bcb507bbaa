//! A small HTTP/1.1 GET for fetching CA certificates from AIA caIssuers
//! URLs, over `std::net::TcpStream`.
//!
//! RFC 5280 §4.2.2.1 says caIssuers URLs SHOULD be http:// (the content is
//! signed, so TLS adds nothing), which is why there is no https here and no
//! TLS crate. What it does: Host header, `Connection: close`, status 200
//! required, up to [`Limits::redirects`] redirects (http:// only),
//! Content-Length, chunked transfer encoding or read to EOF, a size cap and
//! connect/read timeouts plus an overall deadline, so a slow or hostile
//! server cannot hang certhelp or fill its memory.
//!
//! It must not: follow https or other schemes, send cookies or credentials,
//! or read more than the cap. No proxy support (`http_proxy` is not read).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Bounds for one fetch (redirects included).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    /// Per connect and per read/write.
    pub timeout: Duration,
    /// For the whole fetch, redirects included.
    pub deadline: Duration,
    pub redirects: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_bytes: 1 << 20, timeout: Duration::from_secs(10), deadline: Duration::from_secs(30), redirects: 3 }
    }
}

/// Why a fetch failed, by meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    BadUrl(String),
    /// https://, ldap://, ...: not followed.
    Scheme(String),
    Connect(String),
    Timeout,
    /// A status other than 200 (after redirects).
    Status(u16, String),
    TooLarge(usize),
    TooManyRedirects,
    /// The response is not HTTP as we know it.
    Malformed(String),
    Io(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::BadUrl(u) => write!(f, "not a usable URL: {u}"),
            FetchError::Scheme(s) => write!(f, "{s}:// links are not followed (only http://)"),
            FetchError::Connect(e) => write!(f, "cannot connect: {e}"),
            FetchError::Timeout => write!(f, "the server did not answer in time"),
            FetchError::Status(code, reason) => write!(f, "the server answered {code} {reason}"),
            FetchError::TooLarge(max) => write!(f, "the answer is larger than {max} bytes"),
            FetchError::TooManyRedirects => write!(f, "too many redirects"),
            FetchError::Malformed(what) => write!(f, "not a valid HTTP answer: {what}"),
            FetchError::Io(e) => write!(f, "reading the answer failed: {e}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// An http:// URL, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl Url {
    pub fn parse(url: &str) -> Result<Url, FetchError> {
        let bad = || FetchError::BadUrl(url.to_string());
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(FetchError::Scheme(scheme.to_ascii_lowercase()));
        }
        let rest = rest.split('#').next().unwrap_or("");
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let path = if path.starts_with('?') { format!("/{path}") } else { path.to_string() };
        if authority.contains('@') || path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(bad()); // no credentials; no spaces or controls in the request line
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or_else(bad)?;
            (h.to_string(), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (authority.to_string(), None),
            }
        };
        let port = match port {
            None | Some("") => 80,
            Some(p) => p.parse().map_err(|_| bad())?,
        };
        if host.is_empty() || !host.chars().all(|c| c.is_ascii_alphanumeric() || "-._:".contains(c)) {
            return Err(bad());
        }
        Ok(Url { host, port, path })
    }

    fn host_header(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == 80 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }

    /// Resolve a `Location` header against this URL.
    fn join(&self, location: &str) -> String {
        if location.contains("://") {
            location.to_string()
        } else if location.starts_with("//") {
            format!("http:{location}")
        } else if location.starts_with('/') {
            format!("http://{}{location}", self.host_header())
        } else {
            let dir = self.path.split('?').next().unwrap_or("/");
            let dir = &dir[..dir.rfind('/').map_or(0, |i| i + 1)];
            format!("http://{}{dir}{location}", self.host_header())
        }
    }
}

/// GET `url` with the default limits.
pub fn get(url: &str) -> Result<Vec<u8>, FetchError> {
    get_with(url, Limits::default())
}

/// GET `url`: the body of a 200 answer, following redirects.
pub fn get_with(url: &str, limits: Limits) -> Result<Vec<u8>, FetchError> {
    let start = Instant::now();
    let mut url = url.to_string();
    for _ in 0..=limits.redirects {
        let parsed = Url::parse(&url)?;
        match get_once(&parsed, &limits, start)? {
            Answer::Body(b) => return Ok(b),
            Answer::Redirect(location) => url = parsed.join(&location),
        }
    }
    Err(FetchError::TooManyRedirects)
}

enum Answer {
    Body(Vec<u8>),
    Redirect(String),
}

fn io_err(e: std::io::Error) -> FetchError {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => FetchError::Timeout,
        _ => FetchError::Io(e.to_string()),
    }
}

fn get_once(url: &Url, limits: &Limits, start: Instant) -> Result<Answer, FetchError> {
    let addrs: Vec<_> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| FetchError::Connect(format!("{}: {e}", url.host)))?
        .collect();
    let mut last = FetchError::Connect(format!("{}: no address", url.host));
    let mut stream = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, limits.timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => last = FetchError::Timeout,
            Err(e) => last = FetchError::Connect(format!("{addr}: {e}")),
        }
    }
    let mut stream = stream.ok_or(last)?;
    stream.set_read_timeout(Some(limits.timeout)).map_err(io_err)?;
    stream.set_write_timeout(Some(limits.timeout)).map_err(io_err)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: certhelp/{}\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        url.path,
        url.host_header(),
        env!("CARGO_PKG_VERSION")
    );
    stream.write_all(request.as_bytes()).map_err(io_err)?;
    let mut reader = Bounded { inner: stream, start, deadline: limits.deadline };
    read_response(&mut reader, limits.max_bytes)
}

/// A reader that fails once the overall deadline has passed (each read is
/// also bounded by the socket's read timeout).
struct Bounded<R> {
    inner: R,
    start: Instant,
    deadline: Duration,
}

impl<R: Read> Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.start.elapsed() > self.deadline {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        self.inner.read(buf)
    }
}

const MAX_HEAD: usize = 16 * 1024;

/// Parse one HTTP/1.x response from `r` (the connection is closed after it).
fn read_response(r: &mut impl Read, max_bytes: usize) -> Result<Answer, FetchError> {
    // Read until the blank line that ends the head; keep what follows.
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(FetchError::Malformed("headers too long".into()));
        }
        let mut chunk = [0u8; 4096];
        let n = r.read(&mut chunk).map_err(io_err)?;
        if n == 0 {
            return Err(FetchError::Malformed("the connection closed before the headers ended".into()));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| FetchError::Malformed("binary headers".into()))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    if !version.starts_with("HTTP/1.") {
        return Err(FetchError::Malformed(format!(
            "status line `{}`",
            status_line.chars().take(40).collect::<String>()
        )));
    }
    let code: u16 =
        parts.next().and_then(|c| c.parse().ok()).ok_or_else(|| FetchError::Malformed("no status code".into()))?;
    let reason = parts.next().unwrap_or("").trim().to_string();
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut location = None;
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| FetchError::Malformed(format!("header `{line}`")))?;
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                let n = value.parse().map_err(|_| FetchError::Malformed(format!("Content-Length `{value}`")))?;
                if length.is_some_and(|l| l != n) {
                    return Err(FetchError::Malformed("conflicting Content-Length headers".into()));
                }
                length = Some(n);
            }
            "transfer-encoding" => {
                let last = value.rsplit(',').next().unwrap_or("").trim();
                if !last.eq_ignore_ascii_case("chunked") {
                    return Err(FetchError::Malformed(format!("transfer encoding `{value}`")));
                }
                chunked = true;
            }
            "location" => location = Some(value.to_string()),
            _ => {}
        }
    }
    if matches!(code, 301 | 302 | 303 | 307 | 308) {
        return location
            .map(Answer::Redirect)
            .ok_or_else(|| FetchError::Malformed("a redirect without Location".into()));
    }
    if code != 200 {
        return Err(FetchError::Status(code, reason));
    }
    let rest = buf.split_off(head_end);
    let mut body = Prefixed { prefix: rest, pos: 0, inner: r };
    let data = if chunked {
        read_chunked(&mut body, max_bytes)?
    } else if let Some(n) = length {
        if n > max_bytes {
            return Err(FetchError::TooLarge(max_bytes));
        }
        let mut data = vec![0u8; n];
        body.read_exact(&mut data).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => {
                FetchError::Malformed("the body is shorter than Content-Length".into())
            }
            _ => io_err(e),
        })?;
        data
    } else {
        read_capped(&mut body, max_bytes)?
    };
    Ok(Answer::Body(data))
}

/// Bytes already read past the head, then the stream.
struct Prefixed<'a, R> {
    prefix: Vec<u8>,
    pos: usize,
    inner: &'a mut R,
}

impl<R: Read> Read for Prefixed<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos < self.prefix.len() {
            let n = buf.len().min(self.prefix.len() - self.pos);
            buf[..n].copy_from_slice(&self.prefix[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

fn read_capped(r: &mut impl Read, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
    let mut data = Vec::new();
    r.take(max_bytes as u64 + 1).read_to_end(&mut data).map_err(io_err)?;
    if data.len() > max_bytes {
        return Err(FetchError::TooLarge(max_bytes));
    }
    Ok(data)
}

fn read_line(r: &mut impl Read) -> Result<String, FetchError> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        if r.read(&mut byte).map_err(io_err)? == 0 {
            return Err(FetchError::Malformed("the chunked body ended early".into()));
        }
        if byte[0] == b'\n' {
            break;
        }
        if line.len() > 1024 {
            return Err(FetchError::Malformed("a chunk line is too long".into()));
        }
        line.push(byte[0]);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|_| FetchError::Malformed("binary chunk line".into()))
}

/// RFC 9112 §7.1: hex size lines (extensions after `;` ignored), data, CRLF;
/// a zero size ends the body, then trailers up to a blank line.
fn read_chunked(r: &mut impl Read, max_bytes: usize) -> Result<Vec<u8>, FetchError> {
    let mut data = Vec::new();
    loop {
        let line = read_line(r)?;
        let size_hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| FetchError::Malformed(format!("chunk size `{size_hex}`")))?;
        if size == 0 {
            while !read_line(r)?.is_empty() {}
            return Ok(data);
        }
        if data.len().saturating_add(size) > max_bytes {
            return Err(FetchError::TooLarge(max_bytes));
        }
        let at = data.len();
        data.resize(at + size, 0);
        r.read_exact(&mut data[at..]).map_err(|_| FetchError::Malformed("the chunked body ended early".into()))?;
        if !read_line(r)?.is_empty() {
            return Err(FetchError::Malformed("a chunk is longer than its size".into()));
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(resp: &[u8]) -> Result<Answer, FetchError> {
        read_response(&mut &resp[..], 1000)
    }

    fn body(resp: &[u8]) -> Result<Vec<u8>, FetchError> {
        match parse(resp)? {
            Answer::Body(b) => Ok(b),
            Answer::Redirect(l) => panic!("redirect to {l}"),
        }
    }

    #[test]
    fn urls() {
        let u = Url::parse("http://crl.example.mil:8080/issuedto/ROOT_IT.p7c?x=1#frag").unwrap();
        assert_eq!(u, Url { host: "crl.example.mil".into(), port: 8080, path: "/issuedto/ROOT_IT.p7c?x=1".into() });
        assert_eq!(Url::parse("HTTP://a.b").unwrap().path, "/");
        assert_eq!(Url::parse("http://[::1]:81/x").unwrap().host_header(), "[::1]:81");
        assert_eq!(Url::parse("https://a.b/x"), Err(FetchError::Scheme("https".into())));
        assert_eq!(Url::parse("ldap://a.b/cn=x"), Err(FetchError::Scheme("ldap".into())));
        assert!(matches!(Url::parse("http://user:pw@a.b/"), Err(FetchError::BadUrl(_))));
        assert!(matches!(Url::parse("http://a.b/x y"), Err(FetchError::BadUrl(_))));
        assert!(matches!(Url::parse("http://a.b:99999/"), Err(FetchError::BadUrl(_))));
    }

    #[test]
    fn redirects_resolve_against_the_url() {
        let u = Url::parse("http://h:81/a/b.cer").unwrap();
        assert_eq!(u.join("c.cer"), "http://h:81/a/c.cer");
        assert_eq!(u.join("/z.cer"), "http://h:81/z.cer");
        assert_eq!(u.join("//other/z"), "http://other/z");
        assert_eq!(u.join("https://x/y"), "https://x/y");
    }

    #[test]
    fn content_length_and_eof_bodies() {
        assert_eq!(body(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef").unwrap(), b"abc");
        assert_eq!(body(b"HTTP/1.0 200 OK\r\n\r\nto the end").unwrap(), b"to the end");
        assert!(matches!(body(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"), Err(FetchError::Malformed(_))));
        assert_eq!(body(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"), Err(FetchError::TooLarge(1000)));
        let big = [b"HTTP/1.1 200 OK\r\n\r\n".as_slice(), &[b'x'; 1001]].concat();
        assert_eq!(body(&big), Err(FetchError::TooLarge(1000)));
    }

    #[test]
    fn chunked_bodies() {
        let r = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n";
        assert_eq!(body(r).unwrap(), b"abc0123456789");
        let short = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
        assert!(matches!(body(short), Err(FetchError::Malformed(_))));
        let huge = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n";
        assert_eq!(body(huge), Err(FetchError::TooLarge(1000)));
        let gzip = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n";
        assert!(matches!(body(gzip), Err(FetchError::Malformed(_))));
    }

    #[test]
    fn statuses_and_garbage() {
        assert_eq!(body(b"HTTP/1.1 404 Not Found\r\n\r\n"), Err(FetchError::Status(404, "Not Found".into())));
        assert!(matches!(parse(b"HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n"), Ok(Answer::Redirect(l)) if l == "/x"));
        assert!(matches!(body(b"\x16\x03\x01 random bytes\r\n\r\n"), Err(FetchError::Malformed(_))));
        assert!(matches!(body(b"HTTP/1.1 200"), Err(FetchError::Malformed(_))));
    }
}
