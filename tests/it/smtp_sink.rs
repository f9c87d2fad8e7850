//! A small SMTP server the tests start: it speaks the protocol to machi's real mail client over
//! TCP and keeps what it received, so tests read the mail a resident would get.

use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    /// The text body (machi sends it base64-encoded).
    pub fn body(&self) -> String {
        use base64::Engine;
        let (_, b64) = self.data.split_once("\r\n\r\n").unwrap_or(("", ""));
        let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(clean)
            .expect("a base64 body");
        String::from_utf8(bytes).unwrap()
    }

    /// The path of the first link to this server's pages in the body.
    pub fn link_path(&self, prefix: &str) -> String {
        let body = self.body();
        let start = body.find(prefix).expect("a link in the mail");
        let rest = &body[start..];
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let url = &rest[..end];
        let parsed = url::Url::parse(url).unwrap();
        parsed.path().to_string()
    }
}

pub struct Sink {
    pub url: String,
    pub mails: Arc<Mutex<Vec<Mail>>>,
}

impl Sink {
    pub async fn start() -> Sink {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails: Arc<Mutex<Vec<Mail>>> = Arc::default();
        let kept = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (r, mut w) = stream.into_split();
                    let mut lines = BufReader::new(r).lines();
                    w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                    let mut to = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO")
                        {
                            b"250 sink\r\n"
                        } else if upper.starts_with("RCPT TO:") {
                            to.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 OK\r\n"
                        } else if upper.starts_with("DATA") {
                            w.write_all(b"354 go on\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                let l = l
                                    .strip_prefix('.')
                                    .filter(|_| l.starts_with(".."))
                                    .unwrap_or(&l);
                                data.push_str(l);
                                data.push_str("\r\n");
                            }
                            kept.lock().unwrap().push(Mail {
                                to: std::mem::take(&mut to),
                                data,
                            });
                            b"250 queued\r\n"
                        } else if upper.starts_with("QUIT") {
                            w.write_all(b"221 bye\r\n").await.ok();
                            break;
                        } else {
                            b"250 OK\r\n"
                        };
                        w.write_all(reply).await.unwrap();
                    }
                });
            }
        });
        Sink {
            url: format!("smtp://127.0.0.1:{port}"),
            mails,
        }
    }

    pub fn count(&self) -> usize {
        self.mails.lock().unwrap().len()
    }

    pub fn last(&self) -> Mail {
        self.mails.lock().unwrap().last().cloned().expect("a mail")
    }
}
