//! The case file as the pages show it: each attached document the visitor may see (the rules are
//! [`documents::may_see_document`]'s), by its type's title, its name, its format and size as people
//! read them ("PDF, 1,2 MB"), when and by whom it was uploaded (the applicant or the office), for a
//! signed `.p7m` who signed it and the validity of their certificate (whose chain of trust is not
//! checked, as the page says), and the address that downloads it. Used by the case pages' section
//! *Documenti* and by the citizen's page of all their documents (`documents.rs`).

use jiff::Timestamp;
use serde_json::{Value as Json, json};
use sportello_definition::Definition;
use sportello_runtime::case::Actor;
use sportello_runtime::clock::rome;
use sportello_store::DocumentRecord;

use crate::app::access::visible_case;
use crate::app::documents;
use crate::state::AppState;
use crate::web::context::Page;
use crate::web::error::PageError;
use crate::web::render::{elide, human_date, human_size};
use crate::web::text::text;

/// The section *Documenti* of the case `code` for `actor`, whose download addresses start with
/// `base` (`/pratiche/{code}` or `/ufficio/pratiche/{code}`): `{"declared", "documents"}`, where
/// `declared` says whether the workflow has document types at all (the section is shown only then).
///
/// # Errors
///
/// The application's error when the case cannot be read.
pub async fn section(
    state: &AppState,
    page: &Page<'_>,
    actor: &Actor,
    code: &str,
    base: &str,
) -> Result<Json, PageError> {
    let (stored, definition) = visible_case(state, actor, code, "documents").await?;
    let records = documents::visible_documents(state, actor, &stored).await?;
    let shown: Vec<Json> = records
        .iter()
        .filter(|r| r.is_attached())
        .map(|r| entry(page, &definition, r, &format!("{base}/documenti/{}", r.upload_id)))
        .collect();
    Ok(json!({"declared": !definition.documents.is_empty(), "documents": shown}))
}

/// One document as the pages list it, downloaded from `href`.
pub fn entry(page: &Page<'_>, definition: &Definition, record: &DocumentRecord, href: &str) -> Json {
    let lang = page.lang();
    let title = definition
        .documents
        .get(&record.doc_type)
        .map_or_else(|| record.doc_type.clone(), |t| t.title.get(page.language()).to_owned());
    let who = page.t(if record.uploader_kind == "citizen" { "by_applicant" } else { "by_office" });
    json!({
        "title": title,
        "name": record.name,
        "href": href,
        "format": format_name(lang, &record.media_type),
        "size": human_size(record.size, lang),
        "uploaded_at": record.uploaded_at.to_string(),
        "uploaded": italian(lang, format!("{} {}", page.t("uploaded_on"), human_date(&record.uploaded_at.to_string(), lang))),
        "who": who,
        "signer": record.signer.as_ref().and_then(|s| signer(page, s)),
        "staff_only": record.visible_to == "staff",
    })
}

/// Who signed, as the page says it: "Firmato da Mario Rossi (RSSMRA80A01H501U), certificato valido dal
/// 8 dicembre 2026 al 7 dicembre 2029", and who issued the certificate.
fn signer(page: &Page<'_>, signer: &Json) -> Option<Json> {
    let subject = signer.get("subject")?.as_str()?;
    let fiscal_code = signer.get("fiscal_code").and_then(Json::as_str);
    let day = |key: &str| {
        let at = signer.get(key)?.as_str()?.parse::<Timestamp>().ok()?;
        Some(human_date(&at.to_zoned(rome()).date().to_string(), page.lang()))
    };
    let mut line = format!("{} {subject}", page.t("signed_by"));
    if let Some(code) = fiscal_code {
        line.push_str(&format!(" ({code})"));
    }
    if let (Some(from), Some(until)) = (day("not_before"), day("not_after")) {
        line.push_str(", ");
        line.push_str(&page.t("certificate_valid").replace("{from}", &from).replace("{until}", &until));
    }
    let issuer = signer.get("issuer").and_then(Json::as_str);
    Some(json!({"line": italian(page.lang(), line), "issuer": issuer}))
}

/// `text` with the elisions Italian makes before a day ("l'8 marzo"), on an Italian page.
fn italian(lang: &str, text: String) -> String {
    if lang == "en" { text } else { elide(&text) }
}

/// A media type as people call it: "PDF", "immagine JPEG", "file firmato .p7m".
pub fn format_name(lang: &str, media_type: &str) -> String {
    match media_type {
        "application/pdf" => text(lang, "format_pdf"),
        "image/jpeg" => text(lang, "format_jpeg"),
        "image/png" => text(lang, "format_png"),
        "application/pkcs7-mime" => text(lang, "format_p7m"),
        other => other.to_owned(),
    }
}
