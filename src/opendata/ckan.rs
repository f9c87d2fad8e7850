//! A CKAN-compatible Action API (read actions) at /api/3/action/ and /api/action/, so CKAN
//! clients and harvesters (BODIK ODM, data catalog cross-search) work unchanged: the
//! `{help, success, result}` envelope, CKAN's error shape and status codes, CKAN's field names.

use super::catalog::{self, Dataset, LICENSES, Resource, State as DsState};
use crate::app::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

const ACTIONS: [&str; 11] = [
    "package_list",
    "package_show",
    "package_search",
    "resource_show",
    "organization_list",
    "organization_show",
    "group_list",
    "tag_list",
    "license_list",
    "status_show",
    "help_show",
];

fn help(action: &str) -> String {
    format!("/api/3/action/help_show?name={action}")
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    fields: BTreeMap<String, Vec<String>>,
}

impl ApiError {
    fn not_found(message: impl Into<String>) -> ApiError {
        ApiError {
            status: StatusCode::NOT_FOUND,
            kind: "Not Found Error",
            message: message.into(),
            fields: BTreeMap::new(),
        }
    }
    fn validation(field: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        let mut fields = BTreeMap::new();
        fields.insert(field.to_string(), vec![message.clone()]);
        ApiError {
            status: StatusCode::CONFLICT,
            kind: "Validation Error",
            message,
            fields,
        }
    }
    fn into_response(self, action: &str) -> Response {
        let mut error = json!({ "__type": self.kind, "message": self.message });
        for (k, v) in self.fields {
            error[k] = json!(v);
        }
        (
            self.status,
            Json(json!({ "help": help(action), "success": false, "error": error })),
        )
            .into_response()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        tracing::error!("ckan api: {e:#}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            kind: "Internal Server Error",
            message: "サーバーで問題が起きました".into(),
            fields: BTreeMap::new(),
        }
    }
}

/// CKAN writes timestamps as naive UTC with microseconds.
fn ckan_time(rfc3339: &str) -> String {
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .and_then(|t| {
            t.to_offset(time::UtcOffset::UTC)
                .format(time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]"
                ))
                .ok()
        })
        .unwrap_or_else(|| rfc3339.to_string())
}

fn short_id(prefix: &str, s: &str) -> String {
    let h: String = Sha256::digest(s.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}-{h}")
}

fn organization(department: &str, municipality: &str, count: Option<usize>) -> Value {
    let name = if department.is_empty() {
        municipality
    } else {
        department
    };
    let mut o = json!({
        "id": short_id("org", name),
        "name": name,
        "title": name,
        "display_name": name,
        "description": "",
        "type": "organization",
        "state": "active",
        "is_organization": true,
        "image_url": "",
        "approval_status": "approved",
        "created": "",
    });
    if let Some(n) = count {
        o["package_count"] = json!(n);
    }
    o
}

fn resource_dict(r: &Resource, site: &str, ds_name: &str) -> Value {
    let url = if r.is_upload() {
        format!(
            "{site}/opendata/datasets/{ds_name}/resources/{}/download",
            r.id
        )
    } else {
        r.url.clone()
    };
    json!({
        "id": r.id,
        "package_id": r.dataset_id,
        "name": r.name,
        "description": r.description,
        "format": r.format,
        "url": url,
        "url_type": if r.is_upload() { json!("upload") } else { Value::Null },
        "mimetype": if r.mimetype.is_empty() { Value::Null } else { json!(r.mimetype) },
        "size": if r.is_upload() { json!(r.size) } else { Value::Null },
        "hash": r.sha256,
        "position": r.position,
        "state": "active",
        "created": ckan_time(&r.created_at),
        "last_modified": ckan_time(&r.modified_at),
        "metadata_modified": ckan_time(&r.modified_at),
        "datastore_active": false,
        "cache_url": Value::Null,
        "resource_type": Value::Null,
    })
}

pub fn package_dict(d: &Dataset, resources: &[&Resource], site: &str, municipality: &str) -> Value {
    let license = LICENSES.iter().find(|l| l.0 == d.license_id);
    let org = organization(&d.department, municipality, None);
    let mut extras = vec![];
    if !d.frequency.is_empty() {
        extras.push(json!({ "key": "frequency", "value": d.frequency }));
    }
    if let Some(s) = super::standard::by_key(&d.standard) {
        let (n, name, _) = s.info();
        extras.push(json!({ "key": "conforms_to", "value": format!("自治体標準オープンデータセット {n} {name}") }));
        extras.push(json!({ "key": "standard", "value": d.standard }));
    }
    json!({
        "id": d.id,
        "name": d.name,
        "title": d.title,
        "notes": d.notes,
        "type": "dataset",
        "state": if d.state == DsState::Published { "active" } else { "deleted" },
        "private": false,
        "author": Value::Null,
        "author_email": Value::Null,
        "maintainer": if d.contact.is_empty() { Value::Null } else { json!(d.contact) },
        "maintainer_email": Value::Null,
        "license_id": d.license_id,
        "license_title": license.map(|l| l.1).unwrap_or("ライセンス未指定"),
        "license_url": license.map(|l| l.2).unwrap_or(""),
        "isopen": matches!(d.license_id.as_str(), "cc-by" | "cc-by-sa" | "cc-zero" | "odc-by" | "other-open"),
        "url": format!("{site}/opendata/datasets/{}", d.name),
        "version": Value::Null,
        "metadata_created": ckan_time(&d.created_at),
        "metadata_modified": ckan_time(&d.modified_at),
        "owner_org": org["id"],
        "organization": org,
        "groups": [],
        "tags": d.tags.iter().map(|t| json!({
            "id": short_id("tag", t), "name": t, "display_name": t, "state": "active", "vocabulary_id": Value::Null
        })).collect::<Vec<_>>(),
        "num_tags": d.tags.len(),
        "extras": extras,
        "resources": resources.iter().map(|r| resource_dict(r, site, &d.name)).collect::<Vec<_>>(),
        "num_resources": resources.len(),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    })
}

/// Parameters: query string for GET, JSON or form body for POST.
type Params = BTreeMap<String, Value>;

fn param_str(p: &Params, key: &str) -> Option<String> {
    p.get(key).map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

fn param_int(p: &Params, key: &str, default: i64, max: i64) -> Result<i64, ApiError> {
    match param_str(p, key) {
        None => Ok(default),
        Some(s) if s.is_empty() => Ok(default),
        Some(s) => match s.trim().parse::<i64>() {
            Ok(n) if n >= 0 => Ok(n.min(max)),
            _ => Err(ApiError::validation(key, "Invalid integer")),
        },
    }
}

/// The `id` every *_show action needs.
fn required_id(p: &Params) -> Result<String, ApiError> {
    param_str(p, "id")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::validation("id", "Missing value"))
}

fn param_bool(p: &Params, key: &str) -> bool {
    matches!(param_str(p, key).as_deref(), Some("true" | "True" | "1"))
}

struct Catalog {
    snap: std::sync::Arc<catalog::Snapshot>,
    site: String,
    municipality: String,
}

impl Catalog {
    fn resources_of(&self, id: &str) -> Vec<&Resource> {
        self.snap.resources_of(id)
    }
    fn datasets(&self) -> &[Dataset] {
        &self.snap.datasets
    }
    fn organization_name<'a>(&'a self, d: &'a Dataset) -> &'a str {
        if d.department.is_empty() {
            &self.municipality
        } else {
            &d.department
        }
    }
    fn dict(&self, d: &Dataset) -> Value {
        package_dict(d, &self.resources_of(&d.id), &self.site, &self.municipality)
    }
    fn formats(&self, d: &Dataset) -> Vec<String> {
        let mut f: Vec<String> = self
            .resources_of(&d.id)
            .iter()
            .map(|r| r.format.clone())
            .collect();
        f.sort();
        f.dedup();
        f
    }
}

async fn load(state: &AppState, headers: &axum::http::HeaderMap) -> Result<Catalog, ApiError> {
    let municipality = match state.plan_data().await {
        Ok(d) => d.plan.municipality.name.clone(),
        Err(_) => String::new(),
    };
    Ok(Catalog {
        snap: catalog::snapshot(state).await?,
        site: super::dcat::site(state, headers),
        municipality,
    })
}

pub async fn action_get(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(action): Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let params: Params = query
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    dispatch(&state, &headers, &action, params).await
}

pub async fn action_post(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(action): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let params: Params = if body.is_empty() {
        Params::new()
    } else if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&body) {
        map.into_iter().collect()
    } else if let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) {
        form.into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect()
    } else {
        return ApiError::validation("body", "Bad request: the body is neither JSON nor a form")
            .into_response(&action);
    };
    dispatch(&state, &headers, &action, params).await
}

async fn dispatch(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    action: &str,
    mut params: Params,
) -> Response {
    // JSONP callbacks and cache busters are not parameters of the actions.
    params.remove("callback");
    params.remove("_");
    let result = match action {
        "package_list" => package_list(state, headers, &params).await,
        "package_show" => package_show(state, headers, &params).await,
        "package_search" => package_search(state, headers, &params).await,
        "resource_show" => resource_show(state, headers, &params).await,
        "organization_list" => organization_list(state, headers, &params).await,
        "organization_show" => organization_show(state, headers, &params).await,
        "group_list" => Ok(json!([])),
        "tag_list" => tag_list(state, headers, &params).await,
        "license_list" => Ok(json!(LICENSES.iter().map(|l| json!({
            "id": l.0, "title": l.1, "url": l.2, "status": "active", "maintainer": "", "family": "",
            "od_conformance": if matches!(l.0, "notspecified") { "not reviewed" } else { "approved" },
            "osd_conformance": "not reviewed", "domain_content": false, "domain_data": true, "domain_software": false,
        })).collect::<Vec<_>>())),
        "status_show" => status_show(state).await,
        "help_show" => Ok(json!(format!("machi: CKAN互換のAPIです。使えるアクション: {}", ACTIONS.join(", ")))),
        _ => Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            kind: "Bad request",
            message: format!("Action name not known: {action}"),
            fields: BTreeMap::new(),
        }),
    };
    match result {
        Ok(result) => {
            Json(json!({ "help": help(action), "success": true, "result": result })).into_response()
        }
        Err(e) => e.into_response(action),
    }
}

fn reject_unknown(params: &Params, allowed: &[&str]) -> Result<(), ApiError> {
    for k in params.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::validation(
                k,
                format!("The input field {k} was not expected."),
            ));
        }
    }
    Ok(())
}

async fn package_list(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    p: &Params,
) -> Result<Value, ApiError> {
    reject_unknown(p, &["limit", "offset"])?;
    let c = load(state, headers).await?;
    let offset = param_int(p, "offset", 0, i64::MAX)? as usize;
    let limit = param_int(p, "limit", i64::MAX, i64::MAX)? as usize;
    let mut names: Vec<&str> = c.datasets().iter().map(|d| d.name.as_str()).collect();
    names.sort();
    Ok(json!(
        names
            .into_iter()
            .skip(offset)
            .take(limit)
            .collect::<Vec<_>>()
    ))
}

async fn package_show(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    p: &Params,
) -> Result<Value, ApiError> {
    reject_unknown(
        p,
        &[
            "id",
            "use_default_schema",
            "include_plugin_data",
            "include_tracking",
        ],
    )?;
    let id = required_id(p)?;
    let c = load(state, headers).await?;
    let d = c
        .datasets()
        .iter()
        .find(|d| d.id == id || d.name == id)
        .ok_or_else(|| ApiError::not_found("Dataset not found"))?;
    Ok(c.dict(d))
}

async fn resource_show(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    p: &Params,
) -> Result<Value, ApiError> {
    reject_unknown(p, &["id", "include_tracking"])?;
    let id = required_id(p)?;
    let c = load(state, headers).await?;
    let r = c
        .snap
        .resources
        .iter()
        .find(|r| r.id == id)
        .ok_or_else(|| ApiError::not_found("Resource was not found."))?;
    let d = c
        .datasets()
        .iter()
        .find(|d| d.id == r.dataset_id)
        .ok_or_else(|| ApiError::not_found("Resource was not found."))?;
    Ok(resource_dict(r, &c.site, &d.name))
}

fn departments(c: &Catalog) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for d in c.datasets() {
        let name = c.organization_name(d).to_string();
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some(e) => e.1 += 1,
            None => out.push((name, 1)),
        }
    }
    out.sort();
    out
}

async fn organization_list(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    p: &Params,
) -> Result<Value, ApiError> {
    reject_unknown(
        p,
        &[
            "sort",
            "limit",
            "offset",
            "organizations",
            "all_fields",
            "include_dataset_count",
            "include_extras",
            "include_groups",
            "include_users",
            "type",
            "q",
        ],
    )?;
    let c = load(state, headers).await?;
    let mut orgs = departments(&c);
    if param_str(p, "sort").is_some_and(|s| s.starts_with("package_count")) {
        orgs.sort_by_key(|o| std::cmp::Reverse(o.1));
    }
    let offset = param_int(p, "offset", 0, i64::MAX)? as usize;
    let limit = param_int(p, "limit", 1000, 1000)? as usize;
    let orgs = orgs.into_iter().skip(offset).take(limit);
    Ok(if param_bool(p, "all_fields") {
        json!(
            orgs.map(|(n, count)| organization(&n, &c.municipality, Some(count)))
                .collect::<Vec<_>>()
        )
    } else {
        json!(orgs.map(|(n, _)| n).collect::<Vec<_>>())
    })
}

async fn organization_show(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    p: &Params,
) -> Result<Value, ApiError> {
    reject_unknown(
        p,
        &[
            "id",
            "include_datasets",
            "include_dataset_count",
            "include_extras",
            "include_users",
            "include_groups",
            "include_tags",
            "include_followers",
        ],
    )?;
    let id = required_id(p)?;
    let c = load(state, headers).await?;
    let (name, count) = departments(&c)
        .into_iter()
        .find(|(n, _)| *n == id || short_id("org", n) == id)
        .ok_or_else(|| ApiError::not_found("Organization was not found."))?;
    let mut o = organization(&name, &c.municipality, Some(count));
    if param_bool(p, "include_datasets") {
        o["packages"] = json!(
            c.datasets()
                .iter()
                .filter(|d| c.organization_name(d) == name)
                .map(|d| c.dict(d))
                .collect::<Vec<_>>()
        );
    }
    o["users"] = json!([]);
    o["extras"] = json!([]);
    o["tags"] = json!([]);
    o["groups"] = json!([]);
    Ok(o)
}

async fn tag_list(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    p: &Params,
) -> Result<Value, ApiError> {
    reject_unknown(p, &["query", "q", "vocabulary_id", "all_fields"])?;
    let c = load(state, headers).await?;
    let q = param_str(p, "query")
        .or_else(|| param_str(p, "q"))
        .unwrap_or_default();
    let mut tags: Vec<String> = c
        .datasets()
        .iter()
        .flat_map(|d| d.tags.iter().cloned())
        .filter(|t| t.contains(&q))
        .collect();
    tags.sort();
    tags.dedup();
    Ok(if param_bool(p, "all_fields") {
        json!(tags.iter().map(|t| json!({ "id": short_id("tag", t), "name": t, "display_name": t, "vocabulary_id": Value::Null })).collect::<Vec<_>>())
    } else {
        json!(tags)
    })
}

async fn status_show(state: &AppState) -> Result<Value, ApiError> {
    let (title, description) = match state.plan_data().await {
        Ok(d) => (
            format!("{} オープンデータ", d.plan.municipality.name),
            format!("{}のオープンデータカタログ", d.plan.municipality.name),
        ),
        Err(_) => ("machi オープンデータ".to_string(), String::new()),
    };
    Ok(json!({
        "site_title": title,
        "site_description": description,
        "site_url": "",
        "error_emails_to": Value::Null,
        "locale_default": "ja",
        "extensions": ["machi"],
        "ckan_version": "2.10.0",
    }))
}

// ───────────── package_search ─────────────

#[derive(Debug, Clone, PartialEq)]
enum Term {
    /// field:value (exact), or a bare word searched in text
    Eq(String, String),
    Text(String),
    /// field:[from TO to]; "*" is open
    Range(String, String, String),
    Any(Vec<Term>),
    Not(Box<Term>),
}

/// Splits a Solr-style query into clauses: quotes, brackets and parentheses keep spaces.
fn clauses(s: &str) -> Result<Vec<String>, ApiError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quote, mut bracket, mut paren) = (false, 0i32, 0i32);
    for ch in s.chars() {
        match ch {
            '"' => {
                quote = !quote;
                cur.push(ch);
            }
            '[' | '{' if !quote => {
                bracket += 1;
                cur.push(ch);
            }
            ']' | '}' if !quote => {
                bracket -= 1;
                cur.push(ch);
            }
            '(' if !quote => {
                paren += 1;
                cur.push(ch);
            }
            ')' if !quote => {
                paren -= 1;
                cur.push(ch);
            }
            c if c.is_whitespace() && !quote && bracket == 0 && paren == 0 => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
        if bracket < 0 || paren < 0 {
            return Err(ApiError::validation(
                "fq",
                format!("Invalid query: unbalanced brackets in {s}"),
            ));
        }
    }
    if quote || bracket != 0 || paren != 0 {
        return Err(ApiError::validation(
            "fq",
            format!("Invalid query: unbalanced quotes or brackets in {s}"),
        ));
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

fn unquote(v: &str) -> String {
    v.strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v)
        .to_string()
}

const FIELDS: [&str; 12] = [
    "tags",
    "organization",
    "res_format",
    "license_id",
    "name",
    "id",
    "title",
    "metadata_modified",
    "metadata_created",
    "groups",
    "state",
    "standard",
];

fn term(clause: &str) -> Result<Term, ApiError> {
    if let Some(rest) = clause.strip_prefix('-') {
        return Ok(Term::Not(Box::new(term(rest)?)));
    }
    let clause = clause.strip_prefix('+').unwrap_or(clause);
    if let Some(inner) = clause.strip_prefix('(').and_then(|c| c.strip_suffix(')')) {
        return parse_query(inner).map(|t| {
            if t.len() == 1 {
                t.into_iter().next().expect("one")
            } else {
                Term::Any(t)
            }
        });
    }
    let Some((field, value)) = clause.split_once(':') else {
        return Ok(Term::Text(unquote(clause)));
    };
    let field = field.trim_start_matches("extras_").to_string();
    if !FIELDS.contains(&field.as_str())
        && field != "dataset_type"
        && field != "type"
        && field != "*"
    {
        return Err(ApiError::validation(
            "fq",
            format!("Invalid query: unknown field {field}"),
        ));
    }
    if field == "*" && value == "*" {
        return Ok(Term::Any(vec![]));
    }
    if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        let parts: Vec<&str> = inner.split(" TO ").map(str::trim).collect();
        if parts.len() != 2 {
            return Err(ApiError::validation(
                "fq",
                format!("Invalid query: bad range {value}"),
            ));
        }
        return Ok(Term::Range(
            field,
            parts[0].to_string(),
            parts[1].to_string(),
        ));
    }
    if let Some(inner) = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
        let alts: Vec<Term> = inner
            .split(" OR ")
            .map(|v| Term::Eq(field.clone(), unquote(v.trim())))
            .collect();
        return Ok(Term::Any(alts));
    }
    if value.is_empty() {
        return Err(ApiError::validation(
            "fq",
            format!("Invalid query: empty value for {field}"),
        ));
    }
    Ok(Term::Eq(field, unquote(value)))
}

/// Clauses are ANDed; `a OR b` joins its neighbours.
fn parse_query(s: &str) -> Result<Vec<Term>, ApiError> {
    let parts = clauses(s)?;
    let mut out: Vec<Term> = Vec::new();
    let mut or_next = false;
    for p in parts {
        match p.as_str() {
            "AND" | "&&" => continue,
            "OR" | "||" => {
                or_next = true;
                continue;
            }
            "*:*" => continue,
            _ => {}
        }
        let t = term(&p)?;
        if or_next {
            let prev = out.pop().ok_or_else(|| {
                ApiError::validation("fq", "Invalid query: OR without a left side")
            })?;
            out.push(match prev {
                Term::Any(mut v) if !v.is_empty() => {
                    v.push(t);
                    Term::Any(v)
                }
                other => Term::Any(vec![other, t]),
            });
            or_next = false;
        } else {
            out.push(t);
        }
    }
    if or_next {
        return Err(ApiError::validation(
            "fq",
            "Invalid query: OR without a right side",
        ));
    }
    Ok(out)
}

/// A range bound as comparable text: Solr dates (2024-01-01T00:00:00Z, NOW) to CKAN's form.
fn bound(v: &str) -> Option<String> {
    if v == "*" {
        return None;
    }
    if v.starts_with("NOW") {
        return Some(ckan_time(&crate::db::now_text()));
    }
    Some(v.trim_end_matches('Z').to_string())
}

fn matches(t: &Term, d: &Dataset, c: &Catalog) -> bool {
    match t {
        Term::Any(v) if v.is_empty() => true,
        Term::Any(v) => v.iter().any(|t| matches(t, d, c)),
        Term::Not(t) => !matches(t, d, c),
        Term::Text(w) => c
            .snap
            .folded
            .get(&d.id)
            .is_some_and(|hay| hay.contains(&super::routes::fold(w))),
        Term::Eq(f, v) => match f.as_str() {
            "tags" => d.tags.iter().any(|t| t == v),
            "organization" => {
                let name = c.organization_name(d);
                name == v || short_id("org", name) == *v
            }
            "res_format" => c.formats(d).iter().any(|x| x.eq_ignore_ascii_case(v)),
            "license_id" => d.license_id == *v,
            "name" => d.name == *v,
            "id" => d.id == *v,
            "title" => super::routes::fold(&d.title).contains(&super::routes::fold(v)),
            "standard" => d.standard == *v,
            "state" => v == "active",
            "dataset_type" | "type" => v == "dataset",
            "groups" => false,
            _ => false,
        },
        Term::Range(f, from, to) => {
            let value = match f.as_str() {
                "metadata_modified" => ckan_time(&d.modified_at),
                "metadata_created" => ckan_time(&d.created_at),
                _ => return false,
            };
            bound(from).is_none_or(|b| value.as_str() >= b.as_str())
                && bound(to).is_none_or(|b| value.as_str() <= b.as_str())
        }
    }
}

const SEARCH_PARAMS: [&str; 22] = [
    "q",
    "fq",
    "fq_list",
    "sort",
    "rows",
    "start",
    "facet",
    "facet.field",
    "facet.limit",
    "facet.mincount",
    "include_drafts",
    "include_deleted",
    "include_private",
    "use_default_schema",
    "qf",
    "wt",
    "bf",
    "boost",
    "tie",
    "defType",
    "mm",
    "include_tracking",
];

async fn package_search(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    p: &Params,
) -> Result<Value, ApiError> {
    reject_unknown(p, &SEARCH_PARAMS)?;
    let rows = param_int(p, "rows", 10, 1000)? as usize;
    let start = param_int(p, "start", 0, i64::MAX)? as usize;
    let mut terms = parse_query(&param_str(p, "q").unwrap_or_default())?;
    terms.extend(parse_query(&param_str(p, "fq").unwrap_or_default())?);
    if let Some(list) = p.get("fq_list") {
        let items: Vec<String> = match list {
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Value::String(s) => serde_json::from_str(s)
                .map_err(|_| ApiError::validation("fq_list", "fq_list must be a JSON list"))?,
            _ => return Err(ApiError::validation("fq_list", "fq_list must be a list")),
        };
        for i in items {
            terms.extend(parse_query(&i)?);
        }
    }
    let sort = param_str(p, "sort").unwrap_or_else(|| "score desc, metadata_modified desc".into());
    let facet_fields: Vec<String> = match p.get("facet.field") {
        None => vec![],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => serde_json::from_str(s).map_err(|_| {
            ApiError::validation(
                "facet.field",
                "facet.field must be a JSON list, e.g. [\"tags\"]",
            )
        })?,
        Some(_) => {
            return Err(ApiError::validation(
                "facet.field",
                "facet.field must be a JSON list",
            ));
        }
    };
    for f in &facet_fields {
        if ![
            "tags",
            "organization",
            "res_format",
            "license_id",
            "groups",
            "standard",
        ]
        .contains(&f.as_str())
        {
            return Err(ApiError::validation(
                "facet.field",
                format!("Unknown facet field {f}"),
            ));
        }
    }
    let facet_limit = param_int(p, "facet.limit", 50, 1000)? as usize;
    let facet_mincount = param_int(p, "facet.mincount", 1, i64::MAX)? as usize;

    let c = load(state, headers).await?;
    let mut hits: Vec<&Dataset> = c
        .datasets()
        .iter()
        .filter(|d| terms.iter().all(|t| matches(t, d, &c)))
        .collect();
    let key = sort.split(',').next().unwrap_or("").trim().to_string();
    let (field, dir) = key.split_once(' ').unwrap_or((key.as_str(), "asc"));
    let desc = dir.trim().eq_ignore_ascii_case("desc");
    match field {
        "id" => hits.sort_by(|a, b| a.id.cmp(&b.id)),
        "name" => hits.sort_by(|a, b| a.name.cmp(&b.name)),
        "title_string" | "title" => hits.sort_by(|a, b| a.title.cmp(&b.title)),
        "metadata_modified" | "score" => {
            hits.sort_by(|a, b| a.modified_at.cmp(&b.modified_at).then(a.id.cmp(&b.id)))
        }
        "metadata_created" => {
            hits.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)))
        }
        other => {
            return Err(ApiError::validation(
                "sort",
                format!("Unknown sort field {other}"),
            ));
        }
    }
    // "score desc" has no relevance here: newest first, like CKAN's default.
    if desc || field == "score" {
        hits.reverse();
    }
    let count = hits.len();
    let mut search_facets = serde_json::Map::new();
    let mut facets = serde_json::Map::new();
    for f in &facet_fields {
        let mut counts: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for d in &hits {
            let values: Vec<(String, String)> = match f.as_str() {
                "tags" => d.tags.iter().map(|t| (t.clone(), t.clone())).collect(),
                "organization" => {
                    let name = c.organization_name(d).to_string();
                    vec![(name.clone(), name)]
                }
                "res_format" => c.formats(d).into_iter().map(|f| (f.clone(), f)).collect(),
                "license_id" => vec![(
                    d.license_id.clone(),
                    catalog::license_title(&d.license_id).to_string(),
                )],
                "standard" => vec![(d.standard.clone(), d.standard.clone())],
                _ => vec![],
            };
            for (name, display) in values.into_iter().filter(|(n, _)| !n.is_empty()) {
                counts.entry(name).or_insert((display, 0)).1 += 1;
            }
        }
        let mut items: Vec<(String, String, usize)> = counts
            .into_iter()
            .map(|(n, (d, c))| (n, d, c))
            .filter(|i| i.2 >= facet_mincount)
            .collect();
        items.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        items.truncate(facet_limit);
        facets.insert(
            f.clone(),
            json!(
                items
                    .iter()
                    .map(|i| (i.0.clone(), json!(i.2)))
                    .collect::<serde_json::Map<_, _>>()
            ),
        );
        search_facets.insert(
            f.clone(),
            json!({
                "title": f,
                "items": items.iter().map(|i| json!({ "count": i.2, "display_name": i.1, "name": i.0 })).collect::<Vec<_>>(),
            }),
        );
    }
    let results: Vec<Value> = hits
        .into_iter()
        .skip(start)
        .take(rows)
        .map(|d| c.dict(d))
        .collect();
    Ok(json!({
        "count": count,
        "results": results,
        "sort": sort,
        "facets": facets,
        "search_facets": search_facets,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harvester_queries_parse() {
        let t = parse_query("metadata_modified:[2024-01-01T00:00:00Z TO *]").unwrap();
        assert_eq!(
            t,
            vec![Term::Range(
                "metadata_modified".into(),
                "2024-01-01T00:00:00Z".into(),
                "*".into()
            )]
        );
        let t = parse_query("organization:企画課 OR organization:町民課").unwrap();
        assert!(matches!(&t[0], Term::Any(v) if v.len() == 2));
        let t = parse_query("-organization:x tags:\"公衆 トイレ\"").unwrap();
        assert!(matches!(&t[0], Term::Not(_)));
        assert_eq!(t[1], Term::Eq("tags".into(), "公衆 トイレ".into()));
        assert!(parse_query("tags:(a OR b)").is_ok());
        for bad in [
            "tags:[a TO",
            "tags:\"x",
            "nosuch:1",
            "OR tags:x",
            "tags:x OR",
            "tags:",
            "metadata_modified:[a b]",
        ] {
            assert!(parse_query(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ckan_timestamps() {
        assert_eq!(
            ckan_time("2026-11-26T10:11:49.676652436Z"),
            "2026-11-26T10:11:49.676652"
        );
    }
}
