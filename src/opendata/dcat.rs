//! DCAT (DCAT-AP style) for harvesters that speak RDF: the catalog with Hydra paging and
//! `modified_since`, and each dataset, as JSON-LD and Turtle; and a Frictionless data package
//! per dataset.

use super::catalog::{self, Dataset, FREQUENCIES, LICENSES, Resource};
use crate::app::AppState;
use crate::error::AppError;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

pub const PAGE_SIZE: usize = 100;

/// The site's own address as the request reached it (Host checked to be a plain host name).
pub fn site(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if crate::auth::session::is_https(state, headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}{}", state.base)
}

/// A dataset as a DCAT node (JSON-LD, compacted with the context below).
fn dataset_node(d: &Dataset, resources: &[&Resource], site: &str) -> Value {
    let uri = format!("{site}/dataset/{}", d.id);
    let license = LICENSES
        .iter()
        .find(|l| l.0 == d.license_id)
        .map(|l| l.2)
        .unwrap_or("");
    let mut node = json!({
        "@id": uri,
        "@type": "dcat:Dataset",
        "dct:identifier": d.id,
        "dct:title": { "@value": d.title, "@language": "ja" },
        "dct:description": { "@value": d.notes, "@language": "ja" },
        "dct:issued": { "@value": d.created_at, "@type": "xsd:dateTime" },
        "dct:modified": { "@value": d.modified_at, "@type": "xsd:dateTime" },
        "dcat:keyword": d.tags.iter().map(|t| json!({ "@value": t, "@language": "ja" })).collect::<Vec<_>>(),
        "dcat:landingPage": { "@id": format!("{site}/opendata/datasets/{}", d.name) },
        "dct:publisher": { "@type": "foaf:Organization", "foaf:name": if d.department.is_empty() { "—" } else { d.department.as_str() } },
        "dcat:distribution": resources.iter().map(|r| {
            let download = if r.is_upload() {
                format!("{site}/opendata/datasets/{}/resources/{}/download", d.name, r.id)
            } else {
                r.url.clone()
            };
            let mut dist = json!({
                "@id": format!("{site}/dataset/{}/resource/{}", d.id, r.id),
                "@type": "dcat:Distribution",
                "dct:title": { "@value": r.name, "@language": "ja" },
                "dct:format": r.format,
                "dcat:accessURL": { "@id": format!("{site}/opendata/datasets/{}/resources/{}", d.name, r.id) },
                "dcat:downloadURL": { "@id": download },
                "dct:modified": { "@value": r.modified_at, "@type": "xsd:dateTime" },
            });
            if !license.is_empty() {
                dist["dct:license"] = json!({ "@id": license });
            }
            if !r.mimetype.is_empty() {
                dist["dcat:mediaType"] = json!(r.mimetype);
            }
            if r.is_upload() {
                dist["dcat:byteSize"] = json!({ "@value": r.size.to_string(), "@type": "xsd:nonNegativeInteger" });
            }
            dist
        }).collect::<Vec<_>>(),
    });
    if let Some(freq) = FREQUENCIES
        .iter()
        .find(|f| f.0 == d.frequency && !f.1.is_empty())
    {
        node["dct:accrualPeriodicity"] = json!({ "@id": freq.1 });
    }
    if !license.is_empty() {
        node["dct:license"] = json!({ "@id": license });
    }
    if let Some(s) = super::standard::by_key(&d.standard) {
        let (n, name, _) = s.info();
        node["dct:conformsTo"] = json!({
            "@id": format!("{site}/opendata/standards/{}", s.key),
            "dct:title": { "@value": format!("自治体標準オープンデータセット {n} {name}"), "@language": "ja" },
        });
    }
    if !d.contact.is_empty() {
        node["dcat:contactPoint"] = json!({ "@type": "vcard:Organization", "vcard:fn": d.contact });
    }
    node
}

fn context() -> Value {
    json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "hydra": "http://www.w3.org/ns/hydra/core#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct CatalogQuery {
    #[serde(default)]
    page: Option<String>,
    #[serde(default)]
    modified_since: Option<String>,
}

struct Page {
    nodes: Vec<Value>,
    total: usize,
    page: usize,
    last: usize,
}

async fn catalog_page(
    state: &AppState,
    headers: &HeaderMap,
    q: &CatalogQuery,
) -> Result<(Page, String), AppError> {
    let page: usize = match q.page.as_deref() {
        None | Some("") => 1,
        Some(p) => p.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
            AppError::BadRequest(format!("page「{p}」は1以上の整数で指定してください"))
        })?,
    };
    let since = match q.modified_since.as_deref() {
        None | Some("") => None,
        Some(s) => {
            let ok = s.len() >= 10
                && time::Date::parse(
                    &s[..10],
                    time::macros::format_description!("[year]-[month]-[day]"),
                )
                .is_ok();
            if !ok {
                return Err(AppError::BadRequest(format!(
                    "modified_since「{s}」はISO 8601の日付で指定してください(例: 2024-04-01)"
                )));
            }
            Some(s.to_string())
        }
    };
    let site = site(state, headers);
    let snap = catalog::snapshot(state).await?;
    let mut datasets: Vec<&Dataset> = snap
        .datasets
        .iter()
        .filter(|d| since.as_deref().is_none_or(|s| d.modified_at.as_str() >= s))
        .collect();
    datasets.sort_by(|a, b| b.modified_at.cmp(&a.modified_at).then(a.id.cmp(&b.id)));
    let total = datasets.len();
    let last = total.div_ceil(PAGE_SIZE).max(1);
    let nodes = datasets
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|d| dataset_node(d, &snap.resources_of(&d.id), &site))
        .collect();
    Ok((
        Page {
            nodes,
            total,
            page,
            last,
        },
        site,
    ))
}

fn catalog_document(state_title: &str, p: &Page, site: &str, q: &CatalogQuery) -> Value {
    let page_url = |n: usize| {
        let mut u = format!("{site}/catalog.jsonld?page={n}");
        if let Some(s) = &q.modified_since {
            u.push_str(&format!(
                "&modified_since={}",
                crate::auth::session::urlencode(s)
            ));
        }
        u
    };
    let mut paging = json!({
        "@id": page_url(p.page),
        "@type": "hydra:PagedCollection",
        "hydra:totalItems": p.total,
        "hydra:itemsPerPage": PAGE_SIZE,
        "hydra:firstPage": page_url(1),
        "hydra:lastPage": page_url(p.last),
    });
    if p.page < p.last {
        paging["hydra:nextPage"] = json!(page_url(p.page + 1));
    }
    if p.page > 1 {
        paging["hydra:previousPage"] = json!(page_url(p.page - 1));
    }
    let catalog = json!({
        "@id": format!("{site}/catalog"),
        "@type": "dcat:Catalog",
        "dct:title": { "@value": state_title, "@language": "ja" },
        "dcat:dataset": p.nodes.iter().map(|n| json!({ "@id": n["@id"] })).collect::<Vec<_>>(),
    });
    let graph: Vec<Value> = [catalog, paging]
        .into_iter()
        .chain(p.nodes.iter().cloned())
        .collect();
    json!({ "@context": context(), "@graph": graph })
}

async fn title(state: &AppState) -> String {
    match state.plan_data().await {
        Ok(d) => format!("{} オープンデータカタログ", d.plan.municipality.name),
        Err(_) => "オープンデータカタログ".into(),
    }
}

pub async fn catalog_jsonld(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CatalogQuery>,
) -> Result<Response, AppError> {
    let (page, site) = catalog_page(&state, &headers, &q).await?;
    let doc = catalog_document(&title(&state).await, &page, &site, &q);
    Ok((
        [(header::CONTENT_TYPE, "application/ld+json")],
        doc.to_string(),
    )
        .into_response())
}

pub async fn catalog_ttl(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<CatalogQuery>,
) -> Result<Response, AppError> {
    let (page, site) = catalog_page(&state, &headers, &q).await?;
    let doc = catalog_document(&title(&state).await, &page, &site, &q);
    Ok((
        [(header::CONTENT_TYPE, "text/turtle; charset=utf-8")],
        turtle(&doc),
    )
        .into_response())
}

async fn one(
    state: &AppState,
    headers: &HeaderMap,
    file: &str,
    ext: &str,
) -> Result<Value, AppError> {
    let id = file.strip_suffix(ext).ok_or(AppError::NotFound)?;
    let d = catalog::dataset(&state.db, id)
        .await?
        .filter(|d| d.state == catalog::State::Published)
        .ok_or(AppError::NotFound)?;
    let resources = catalog::resources(&state.db, &d.id).await?;
    let rs: Vec<&Resource> = resources.iter().collect();
    let node = dataset_node(&d, &rs, &site(state, headers));
    Ok(json!({ "@context": context(), "@graph": [node] }))
}

/// `/dataset/{id}.jsonld` and `/dataset/{id}.ttl`.
pub async fn dataset_rdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    if file.ends_with(".jsonld") {
        let doc = one(&state, &headers, &file, ".jsonld").await?;
        Ok((
            [(header::CONTENT_TYPE, "application/ld+json")],
            doc.to_string(),
        )
            .into_response())
    } else if file.ends_with(".ttl") {
        let doc = one(&state, &headers, &file, ".ttl").await?;
        Ok((
            [(header::CONTENT_TYPE, "text/turtle; charset=utf-8")],
            turtle(&doc),
        )
            .into_response())
    } else {
        Err(AppError::NotFound)
    }
}

fn ttl_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn ttl_iri(s: &str) -> String {
    let escaped: String = s
        .chars()
        .map(|c| match c {
            '<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\' | ' ' => {
                format!("%{:02X}", c as u32)
            }
            c if (c as u32) < 0x20 => format!("%{:02X}", c as u32),
            c => c.to_string(),
        })
        .collect();
    format!("<{escaped}>")
}

/// A JSON-LD value as a Turtle object.
fn ttl_object(v: &Value, out: &mut String, indent: usize) {
    match v {
        Value::String(s) => out.push_str(&ttl_string(s)),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Object(o) => {
            if let Some(val) = o.get("@value") {
                let text = match val {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                out.push_str(&ttl_string(&text));
                if let Some(l) = o.get("@language").and_then(Value::as_str) {
                    out.push('@');
                    out.push_str(l);
                } else if let Some(t) = o.get("@type").and_then(Value::as_str) {
                    out.push_str("^^");
                    out.push_str(t);
                }
            } else if let Some(id) = o
                .get("@id")
                .and_then(Value::as_str)
                .filter(|_| o.len() == 1)
            {
                out.push_str(&ttl_iri(id));
            } else {
                // A nested node: a blank node in brackets (its @id, if any, is dropped).
                out.push_str("[\n");
                ttl_predicates(o, out, indent + 4, "\n");
                out.push_str(&format!("{}]", " ".repeat(indent)));
            }
        }
        Value::Array(_) | Value::Null => {}
    }
}

/// Writes `o`'s predicates; `end` closes them (" .\n" for a statement, "\n" inside brackets).
fn ttl_predicates(o: &serde_json::Map<String, Value>, out: &mut String, indent: usize, end: &str) {
    let pad = " ".repeat(indent);
    let mut first = true;
    for (k, v) in o {
        if k == "@id" || k == "@context" {
            continue;
        }
        let values: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            Value::Null => vec![],
            other => vec![other],
        };
        if values.is_empty() {
            continue;
        }
        if !first {
            out.push_str(" ;\n");
        }
        first = false;
        let predicate = if k == "@type" {
            "a".to_string()
        } else {
            k.clone()
        };
        out.push_str(&format!("{pad}{predicate} "));
        for (i, val) in values.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if k == "@type" {
                out.push_str(val.as_str().unwrap_or(""));
            } else {
                ttl_object(val, out, indent);
            }
        }
    }
    out.push_str(end);
}

/// The JSON-LD documents machi makes, written as Turtle.
pub fn turtle(doc: &Value) -> String {
    let mut out = String::new();
    if let Some(ctx) = doc["@context"].as_object() {
        for (prefix, iri) in ctx {
            out.push_str(&format!(
                "@prefix {prefix}: <{}> .\n",
                iri.as_str().unwrap_or("")
            ));
        }
        out.push('\n');
    }
    for node in doc["@graph"].as_array().into_iter().flatten() {
        let Some(o) = node.as_object() else { continue };
        let subject = o
            .get("@id")
            .and_then(Value::as_str)
            .map(ttl_iri)
            .unwrap_or_else(|| "[]".into());
        out.push_str(&subject);
        out.push('\n');
        ttl_predicates(o, &mut out, 4, " .\n");
        out.push('\n');
    }
    out
}

/// A Frictionless data package for a dataset: its CSV resources with their schema.
pub async fn datapackage(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, AppError> {
    let d = catalog::dataset(&state.db, &name)
        .await?
        .filter(|d| d.state == catalog::State::Published)
        .ok_or(AppError::NotFound)?;
    let site = site(&state, &headers);
    let resources = catalog::resources(&state.db, &d.id).await?;
    let schema = super::standard::schema_for(&state.db, &d.standard)
        .await?
        .map(|s| {
            let mut v = serde_json::to_value(s).unwrap_or_default();
            // Frictionless does not know machi's own keys.
            if let Some(o) = v.as_object_mut() {
                o.remove("machi:standard");
                if let Some(fields) = o.get_mut("fields").and_then(Value::as_array_mut) {
                    for f in fields {
                        if let Some(f) = f.as_object_mut() {
                            f.remove("machi:check");
                        }
                    }
                }
            }
            v
        });
    let license = LICENSES.iter().find(|l| l.0 == d.license_id);
    let package = json!({
        "name": d.name,
        "title": d.title,
        "description": d.notes,
        "id": d.id,
        "licenses": license.map(|l| vec![json!({ "name": l.0, "title": l.1, "path": l.2 })]).unwrap_or_default(),
        "resources": resources.iter().map(|r| {
            let path = if r.is_upload() {
                format!("{site}/opendata/datasets/{}/resources/{}/download", d.name, r.id)
            } else {
                r.url.clone()
            };
            let mut res = json!({
                "name": format!("resource-{}", &r.id[..8]),
                "title": r.name,
                "path": path,
                "format": r.format.to_lowercase(),
            });
            if !r.mimetype.is_empty() {
                res["mediatype"] = json!(r.mimetype);
            }
            if r.format == "CSV" {
                if let Some(s) = &schema {
                    res["schema"] = s.clone();
                }
                // The encoding the validator found, in Python's codec names.
                let found = serde_json::from_str::<Value>(&r.validation_report)
                    .ok()
                    .and_then(|v| v["encoding"].as_str().map(str::to_string))
                    .unwrap_or_default();
                res["encoding"] = json!(match found.as_str() {
                    "Shift_JIS" => "cp932",
                    "UTF-8 (BOM付き)" => "utf-8-sig",
                    _ => "utf-8",
                });
            }
            if r.is_upload() {
                res["bytes"] = json!(r.size);
                res["hash"] = json!(format!("sha256:{}", r.sha256));
            }
            res
        }).collect::<Vec<_>>(),
    });
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        package.to_string(),
    )
        .into_response())
}
