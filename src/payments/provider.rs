//! The interface every payment provider sits behind, shaped like GOV.UK Pay's: create a
//! payment (with an idempotency key) → send the resident to the provider's page → the resident
//! comes back → the provider confirms by a signed callback → machi reconciles by asking the
//! provider for the payment's status. docs/payments.md says how a Japanese provider plugs in.

use crate::app::AppState;
use crate::modules::BoxFuture;
use axum::http::HeaderMap;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// What machi asks a provider to collect. Amounts are whole 円.
#[derive(Debug, Clone)]
pub struct CreateRequest {
    pub amount: i64,
    /// machi's reference (the application's receipt number), shown on the provider's page.
    pub reference: String,
    pub description: String,
    /// Where the provider sends the resident back (absolute).
    pub return_url: String,
    /// The same key always means the same payment: a retry never charges twice.
    pub idempotency_key: String,
}

#[derive(Debug, Clone)]
pub struct Created {
    /// The provider's id of the payment.
    pub provider_ref: String,
    /// The provider's page for the resident.
    pub next_url: String,
}

/// A payment's status at the provider (GOV.UK Pay's states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Created,
    Started,
    Success,
    Failed,
    Cancelled,
    Error,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Started => "started",
            Status::Success => "success",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
            Status::Error => "error",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        [
            Status::Created,
            Status::Started,
            Status::Success,
            Status::Failed,
            Status::Cancelled,
            Status::Error,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// A final status never changes again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Success | Status::Failed | Status::Cancelled | Status::Error
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Created => "支払い前",
            Status::Started => "支払い中",
            Status::Success => "支払い済み",
            Status::Failed => "支払いできませんでした",
            Status::Cancelled => "取りやめ",
            Status::Error => "エラー",
        }
    }
}

/// A callback from the provider, once its signature has been checked.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Event {
    /// Unique per event: a replay carries the same id.
    pub event_id: String,
    pub payment_id: String,
    pub status: Status,
    /// When it happened at the provider (RFC 3339).
    pub at: String,
}

pub trait Provider: Send + Sync {
    fn name(&self) -> &'static str;
    fn create<'a>(
        &'a self,
        state: &'a AppState,
        req: &'a CreateRequest,
    ) -> BoxFuture<'a, anyhow::Result<Created>>;
    fn status<'a>(
        &'a self,
        state: &'a AppState,
        provider_ref: &'a str,
    ) -> BoxFuture<'a, anyhow::Result<Status>>;
    /// Reads a callback, refusing it unless its signature is right.
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Event, String>;
}

/// The header a signed callback carries: `sha256=<hex of HMAC-SHA256(secret, body)>`.
pub const SIGNATURE_HEADER: &str = "x-machi-signature";

pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// Checks a body's signature in constant time.
pub fn signature_ok(secret: &str, body: &[u8], given: &str) -> bool {
    let Some(hex) = given.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Some(bytes) = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac.verify_slice(&bytes).is_ok()
}

/// The configured provider, if payments are on.
pub fn configured(state: &AppState) -> Option<Box<dyn Provider>> {
    let p = state.settings.online.payments.as_ref()?;
    match p.provider.as_str() {
        "sandbox" => Some(Box::new(super::sandbox::Sandbox {
            secret: p.secret.clone(),
            delay: p.sandbox_delay,
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        let s = sign("k", b"{}");
        assert!(signature_ok("k", b"{}", &s));
        assert!(!signature_ok("k", b"{ }", &s));
        assert!(!signature_ok("other", b"{}", &s));
        assert!(!signature_ok("k", b"{}", "sha256=zz"));
        assert!(!signature_ok("k", b"{}", ""));
    }

    #[test]
    fn final_states() {
        assert!(Status::Success.is_final());
        assert!(!Status::Started.is_final());
        assert_eq!(Status::parse("cancelled"), Some(Status::Cancelled));
    }
}
