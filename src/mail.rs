//! Mail to residents (the confirmation link of an online application, a request for
//! correction, the result) over SMTP, and the settings online applications need.
//!
//! machi speaks plain SMTP to one configured server (`--smtp-url smtp://relay:25`): in a town
//! hall that is the internal relay, which does TLS and delivery onwards. Nothing is queued in
//! machi; a failed send is reported to the person who caused it, who can ask again.

use crate::app::AppState;
use crate::config::Config;
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// Mail, payments and retention for online applications, from the configuration.
#[derive(Debug, Clone)]
pub struct OnlineSettings {
    /// `None`: no mail server, so no online applications.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// Where residents reach machi, without a trailing slash.
    pub public_url: String,
    pub retention_days: i64,
    pub payments: Option<PaymentSettings>,
}

#[derive(Debug, Clone)]
pub struct PaymentSettings {
    /// Which provider (`sandbox`).
    pub provider: String,
    /// The callbacks' signing key.
    pub secret: String,
    pub timeout: Duration,
    /// How late the sandbox answers (to try timeouts).
    pub sandbox_delay: Duration,
}

impl OnlineSettings {
    pub fn from_config(c: &Config) -> OnlineSettings {
        let public_url = c
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}:{}", c.host, c.port));
        OnlineSettings {
            smtp_url: c.smtp_url.clone().filter(|u| !u.trim().is_empty()),
            mail_from: c.mail_from.clone(),
            public_url: public_url.trim_end_matches('/').to_string(),
            retention_days: c.application_retention_days,
            payments: c.payments.as_ref().map(|p| PaymentSettings {
                provider: p.clone(),
                // A sandbox without a configured secret signs with one of its own, made at start.
                secret: c
                    .payment_secret
                    .clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(crate::auth::secret::random_token),
                timeout: Duration::from_secs(c.payment_timeout_secs.max(1)),
                sandbox_delay: Duration::from_millis(c.payment_sandbox_delay_ms),
            }),
        }
    }

    pub fn mail_on(&self) -> bool {
        self.smtp_url.is_some()
    }
}

/// An address of a town's page as a resident opens it from mail.
pub fn absolute(state: &AppState, path: &str) -> String {
    let online = &state.settings.online;
    match &state.town.host {
        Some(host) => {
            let scheme = online.public_url.split("://").next().unwrap_or("https");
            format!("{scheme}://{host}{path}")
        }
        None => format!("{}{}{path}", online.public_url, state.base),
    }
}

/// Why a mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("メールを送る設定がありません")]
    Off,
    #[error("メールアドレス「{0}」には送れません")]
    Address(String),
    #[error("メールサーバーに送れませんでした: {0}")]
    Send(String),
}

/// Sends one plain-text mail. The body goes base64-encoded so that long links survive intact.
pub async fn send(state: &AppState, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
    let online = &state.settings.online;
    let url = online.smtp_url.as_deref().ok_or(MailError::Off)?;
    let from: Mailbox = format!("{} <{}>", state.town.name, online.mail_from)
        .parse()
        .or_else(|_| online.mail_from.parse())
        .map_err(|_| MailError::Address(online.mail_from.clone()))?;
    let to: Mailbox = to.parse().map_err(|_| MailError::Address(to.into()))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(subject)
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .header(ContentTransferEncoding::Base64)
                .body(body.to_string()),
        )
        .map_err(|e| MailError::Send(e.to_string()))?;
    let (host, port) = smtp_server(url).map_err(MailError::Send)?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .timeout(Some(Duration::from_secs(20)))
        .build();
    transport
        .send(message)
        .await
        .map_err(|e| MailError::Send(e.to_string()))?;
    Ok(())
}

/// The host and port of `smtp://host[:port]` (port 25 when not given).
pub fn smtp_server(url: &str) -> Result<(String, u16), String> {
    let u =
        url::Url::parse(url.trim()).map_err(|e| format!("--smtp-url「{url}」を読めません: {e}"))?;
    if u.scheme() != "smtp" {
        return Err(format!(
            "--smtp-url は smtp://ホスト名:ポート の形で指定してください(「{}」は使えません。TLS は中継サーバーで行います)",
            u.scheme()
        ));
    }
    let host = u
        .host_str()
        .ok_or_else(|| format!("--smtp-url「{url}」にホスト名がありません"))?;
    Ok((host.to_string(), u.port().unwrap_or(25)))
}

/// Whether `s` looks like a mail address one can send to (one @, a dotted domain, no spaces).
pub fn check_address(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("メールアドレスを入力してください".into());
    }
    let ok = s.len() <= 254
        && s.is_ascii()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && s.parse::<Mailbox>().is_ok();
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "「{s}」はメールアドレスの形ではありません(例: taro@example.jp。全角文字は使えません)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers() {
        assert_eq!(
            smtp_server("smtp://127.0.0.1:2525").unwrap(),
            ("127.0.0.1".into(), 2525)
        );
        assert_eq!(
            smtp_server("smtp://relay.lg.jp").unwrap(),
            ("relay.lg.jp".into(), 25)
        );
        assert!(smtp_server("smtps://x:465").is_err());
        assert!(smtp_server("nonsense").is_err());
    }

    #[test]
    fn addresses() {
        assert_eq!(check_address(" a@b.jp ").unwrap(), "a@b.jp");
        for bad in [
            "", "a", "a@b", "a@@b.jp", "a b@c.jp", "ａ@b.jp", "a@.jp", "a@b.jp.",
        ] {
            assert!(check_address(bad).is_err(), "{bad}");
        }
    }
}
