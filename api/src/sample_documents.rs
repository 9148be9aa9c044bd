//! Small generated documents for the demo (`sportello demo`, and the dev server's first cases): a
//! one-page PDF that says what it stands for, made for each document a transition requires, so that
//! the demo's procedures carry a case file as real ones do. Never used outside the demo.

use sportello_definition::Definition;

/// A well-formed one-page PDF showing `lines`: header, four objects, a cross-reference table whose
/// offsets are the objects', a trailer naming the catalogue.
pub fn pdf(lines: &[&str]) -> Vec<u8> {
    let mut text = String::from("BT /F1 12 Tf 72 720 Td 16 TL");
    for line in lines {
        let clean: String = line.chars().map(|c| if c.is_ascii() && !"()\\".contains(c) { c } else { ' ' }).collect();
        text.push_str(&format!(" ({clean}) Tj T*"));
    }
    text.push_str(" ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
    ];
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    let trailer = format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1);
    out.extend_from_slice(trailer.as_bytes());
    out
}

/// The documents `transition` of `definition` requires, as (type, file name, bytes): as many PDFs of
/// each type as its `min`, for types that accept a PDF (a type that takes only signed files cannot be
/// made up). `case` names the case they belong to.
pub fn required(definition: &Definition, transition: &str, case: &str) -> Vec<(String, String, Vec<u8>)> {
    let Some(transition) = definition.transitions.get(transition) else { return Vec::new() };
    let mut documents = Vec::new();
    for (doc_type, range) in &transition.documents {
        let Some(declared) = definition.documents.get(doc_type) else { continue };
        if declared.signed || !declared.accept.iter().any(|m| m == "application/pdf") {
            continue;
        }
        for n in 1..=range.min {
            let title = &declared.title.it;
            let bytes =
                pdf(&[title, &format!("Pratica {case}"), &format!("Documento {n} di {}", range.min), "Esempio"]);
            documents.push((doc_type.clone(), format!("{doc_type}-{n}.pdf"), bytes));
        }
    }
    documents
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use sportello_documents::checks::{MediaType, inspect};

    use super::pdf;

    #[test]
    fn the_generated_pdf_passes_the_case_files_checks() {
        let bytes = pdf(&["Certificato di residenza", "Pratica RC-2026-000001"]);
        let inspected = inspect(Cursor::new(&bytes), bytes.len() as u64, &[MediaType::Pdf], false).unwrap();
        assert_eq!(inspected.media_type, MediaType::Pdf);
    }
}
