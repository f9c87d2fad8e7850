//! QR codes as inline SVG: nothing loaded from outside, scalable for print.

use crate::error::AppError;

/// `text` as a QR code, an `<svg>` element with `label` as its accessible name.
pub fn svg(text: &str, label: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(220, 220)
        .build();
    let label = label
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    Ok(svg
        .find("<svg")
        .map_or(svg.clone(), |i| svg[i..].to_string())
        .replacen(
            "<svg",
            &format!("<svg role=\"img\" aria-label=\"{label}\""),
            1,
        ))
}
