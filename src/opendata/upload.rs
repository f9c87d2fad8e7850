//! Reading a staff form sent as multipart (text fields and at most one file), with the size
//! limit and the form's CSRF token checked the same way for every upload.

use crate::auth::Staff;
use crate::error::AppError;
use axum::extract::Multipart;
use axum::http::StatusCode;
use std::collections::HashMap;

/// A form's text fields and its file (name, bytes), if one was chosen.
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
}

impl Upload {
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

fn too_large(max: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "ファイルが大きすぎます。上限は{}MBです。大きなデータは外部のURLとして登録してください。",
        max / 1024 / 1024
    ))
}

/// Reads the whole form; refuses it unless its `csrf` field is the session's token.
pub async fn read(staff: &Staff, mut multipart: Multipart, max: usize) -> Result<Upload, AppError> {
    let mut fields = HashMap::new();
    let mut file = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large(max)),
            Err(e) => {
                return Err(AppError::BadRequest(format!(
                    "送信内容を読み取れません: {e}"
                )));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let fname = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large(max)
                } else {
                    AppError::BadRequest(format!("ファイルを読み取れません: {e}"))
                }
            })?;
            if bytes.len() > max {
                return Err(too_large(max));
            }
            if !bytes.is_empty() {
                file = Some((fname, bytes.to_vec()));
            }
        } else {
            fields.insert(name, field.text().await.unwrap_or_default());
        }
    }
    let csrf = fields.get("csrf").map_or("", String::as_str);
    if !crate::auth::secret::constant_time_eq(csrf, &staff.session.csrf_token) {
        return Err(crate::auth::session::csrf_refused());
    }
    Ok(Upload { fields, file })
}
