//! Document types and the documents a transition takes (issue 24, the case file): each problem the
//! validator reports about them points at the key or value to change, with its code and hint; a
//! workflow with documents validates cleanly (the format guide's example too), and what a document type
//! leaves unwritten has its default.

use sportello_definition::model::Visibility;
use sportello_definition::{Code, Diagnostic, Location, Report, load_str};

/// A small procedure; `DOCUMENTS` becomes the `documents:` block and `SUBMIT` the `submit` transition.
const BASE: &str = "\
id: documents
version: 1
title: { it: Permesso di costruire }
office: edilizia
roles:
  clerk: { title: { it: Istruttore } }
documents:
DOCUMENTS
states:
  draft: { initial: true, status: { it: Bozza }, waiting_for: citizen }
  submitted: { status: { it: Domanda ricevuta }, waiting_for: office }
  approved: { final: true, outcome: accepted, status: { it: Domanda accolta } }
transitions:
  submit: SUBMIT
  approve: { from: submitted, to: approved, by: clerk }
";

fn workflow(documents: &str, submit: &str) -> String {
    BASE.replace("DOCUMENTS", documents).replace("SUBMIT", submit)
}

/// Where `needle`, which must occur once, starts in `text`.
fn position_of(text: &str, needle: &str) -> Location {
    assert_eq!(text.matches(needle).count(), 1, "`{needle}` must occur once in\n{text}");
    let before = &text[..text.find(needle).unwrap()];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Location { line: before.matches('\n').count() as u32 + 1, column: before[line_start..].chars().count() as u32 + 1 }
}

/// The one diagnostic with `code` in the report of `text`.
fn the_diagnostic(text: &str, code: Code) -> (Diagnostic, Report) {
    let report = load_str(text, Some("documents"));
    let found: Vec<&Diagnostic> = report.diagnostics.iter().filter(|d| d.code == code).collect();
    assert_eq!(found.len(), 1, "one {code} expected: {:#?}", report.diagnostics);
    (found[0].clone(), report)
}

#[test]
fn an_unknown_document_type_is_reported_at_its_name_with_the_closest_declared_one() {
    let text = workflow(
        "  project: { title: { it: Elaborati progettuali } }",
        "{ from: draft, to: submitted, by: citizen, documents: { projet: { min: 1 } } }",
    );
    let (d, report) = the_diagnostic(&text, Code::UnknownDocumentType);
    assert_eq!(d.location, position_of(&text, "projet:"));
    assert_eq!(d.message, "unknown document type `projet`");
    assert_eq!(d.hint.as_deref(), Some("did you mean `project`?"));
    assert!(!report.is_valid());
}

#[test]
fn a_format_or_size_the_case_file_cannot_check_is_reported_at_the_value() {
    let word = workflow(
        "  project: { title: { it: Progetto }, accept: [application/pdf, application/msword] }",
        "{ from: draft, to: submitted, by: citizen, documents: { project: {} } }",
    );
    let (d, _) = the_diagnostic(&word, Code::BadDocumentFormat);
    assert_eq!(d.location, position_of(&word, "application/msword"));
    assert!(d.hint.as_deref().unwrap().contains("`application/pkcs7-mime`"), "{d:?}");

    for size in ["2 GB", "600 MB", "0 KB", "20MB"] {
        let text = workflow(
            &format!("  project: {{ title: {{ it: Progetto }}, max_size: {size} }}"),
            "{ from: draft, to: submitted, by: citizen, documents: { project: {} } }",
        );
        let (d, _) = the_diagnostic(&text, Code::BadDocumentFormat);
        assert_eq!(d.location, position_of(&text, size), "{size}");
        assert_eq!(d.message, format!("`{size}` is not a size between 1 KB and 500 MB"));
    }

    let unsigned = workflow(
        "  project: { title: { it: Progetto }, signed: true, accept: [application/pdf] }",
        "{ from: draft, to: submitted, by: citizen, documents: { project: {} } }",
    );
    let (d, _) = the_diagnostic(&unsigned, Code::BadDocumentFormat);
    assert_eq!(d.location, position_of(&unsigned, "accept:"), "at the list that lacks the signed format");
    assert_eq!(
        d.hint.as_deref(),
        Some("a digitally signed file is a CAdES `.p7m`: add `application/pkcs7-mime` to `accept`")
    );
}

#[test]
fn an_impossible_count_is_reported_at_the_min_or_max_to_change() {
    let declared = "  project: { title: { it: Elaborati progettuali } }";
    let cases = [
        ("{ min: 1, max: 20 }", "20", "a transition takes at most 10 files of one type: lower `max`"),
        ("{ max: 0 }", "0", "remove `project` from the transition's `documents`, or let it take some (`max: 1`)"),
        ("{ min: 3, max: 2 }", "3", "lower `min`, or raise `max` (1 unless written) to at least `min`"),
        ("{ min: 2 }", "2", "lower `min`, or raise `max` (1 unless written) to at least `min`"),
    ];
    for (count, value, hint) in cases {
        let submit = format!("{{ from: draft, to: submitted, by: citizen, documents: {{ project: {count} }} }}");
        let text = workflow(declared, &submit);
        let (d, _) = the_diagnostic(&text, Code::ImpossibleDocumentCount);
        let expected = position_of(&text, count);
        let column = expected.column + count.find(value).unwrap() as u32;
        assert_eq!(d.location, Location { column, ..expected }, "{count}");
        assert_eq!(d.hint.as_deref(), Some(hint), "{count}");
    }
    let ten =
        workflow(declared, "{ from: draft, to: submitted, by: citizen, documents: { project: { min: 10, max: 10 } } }");
    assert!(load_str(&ten, Some("documents")).diagnostics.is_empty(), "ten is the most, and allowed");
}

#[test]
fn documents_on_a_transition_only_the_engine_fires_are_reported_at_the_document() {
    let text = workflow(
        "  receipt: { title: { it: Ricevuta di protocollo } }",
        "{ from: draft, to: submitted, by: system, documents: { receipt: { min: 1 } } }",
    ) + "events:\n  protocol.registered: { fires: submit }\n";
    let (d, report) = the_diagnostic(&text, Code::DocumentsNobodyCanSend);
    assert_eq!(d.location, position_of(&text, "receipt: { min"));
    assert_eq!(d.message, "transition `submit` is fired by the engine, which cannot attach `receipt`");
    assert!(!report.is_valid());
}

#[test]
fn a_citizen_attaching_a_type_only_staff_see_is_warned_at_the_document() {
    let text = workflow(
        "  isee: { title: { it: Attestazione ISEE }, visible_to: staff }",
        "{ from: draft, to: submitted, by: citizen, documents: { isee: { min: 1 } } }",
    );
    let (d, report) = the_diagnostic(&text, Code::HiddenDocumentFromCitizen);
    assert_eq!(d.location, position_of(&text, "isee: { min"));
    assert_eq!(d.hint.as_deref(), Some("make the type `visible_to: applicant`, or let only staff attach it"));
    assert!(report.is_valid(), "a warning: the file is accepted");

    let by_staff = text.replace("by: citizen, documents", "by: clerk, documents");
    assert!(
        load_str(&by_staff, Some("documents")).diagnostics.iter().all(|d| d.code != Code::HiddenDocumentFromCitizen)
    );
}

#[test]
fn a_workflow_with_documents_validates_cleanly_and_keeps_what_it_declares() {
    let text = workflow(
        "  project:
    title: { it: Elaborati progettuali, en: Project drawings }
    hint:
      it: Relazione tecnica e tavole, firmate digitalmente dal progettista.
    accept: [application/pkcs7-mime, application/pdf]
    max_size: 50 MB
    signed: true
  isee:
    title: { it: Attestazione ISEE }
    accept: [application/pdf, image/jpeg, image/png]
    max_size: 512 KB
  opinion:
    title: { it: Parere della commissione edilizia }
    visible_to: staff",
        "{ from: draft, to: submitted, by: citizen, documents: { project: { min: 1, max: 10 }, isee: {} } }",
    )
    .replace(
        "  approve: { from: submitted, to: approved, by: clerk }",
        "  approve: { from: submitted, to: approved, by: clerk, documents: { opinion: { min: 1 } } }",
    );
    let report = load_str(&text, Some("documents"));
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    let definition = report.definition.unwrap();

    let project = &definition.documents["project"];
    assert_eq!(project.title.it, "Elaborati progettuali");
    assert_eq!(project.accept, ["application/pkcs7-mime", "application/pdf"]);
    assert_eq!((project.max_bytes, project.signed), (50 * 1024 * 1024, true));
    assert_eq!(definition.documents["isee"].max_bytes, 512 * 1024);
    assert_eq!(definition.documents["opinion"].visible_to, Visibility::Staff);

    let submit = &definition.transitions["submit"].documents;
    assert_eq!((submit["project"].min, submit["project"].max), (1, 10));
    assert_eq!((submit["isee"].min, submit["isee"].max), (0, 1), "optional, one file, unless written");
    assert!(definition.transitions["approve"].documents.contains_key("opinion"));
}

#[test]
fn an_unwritten_size_is_10_mb_and_unwritten_formats_are_pdf_or_for_a_signed_type_p7m() {
    let text = workflow(
        "  project: { title: { it: Progetto } }\n  deed: { title: { it: Atto notarile }, signed: true }",
        "{ from: draft, to: submitted, by: citizen, documents: { project: {}, deed: {} } }",
    );
    let report = load_str(&text, Some("documents"));
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    let documents = report.definition.unwrap().documents;
    let project = &documents["project"];
    assert_eq!(project.max_bytes, 10 * 1024 * 1024);
    assert_eq!(project.accept, ["application/pdf"]);
    assert_eq!((project.signed, project.visible_to, project.hint.is_none()), (false, Visibility::Applicant, true));
    assert_eq!(documents["deed"].accept, ["application/pkcs7-mime"]);
}

#[test]
fn the_format_guides_building_permit_with_documents_validates_cleanly() {
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/workflow-format.md")).unwrap();
    let section = guide.split("### A building permit with documents").nth(1).expect("the section");
    let example = section.split("```yaml\n").nth(1).and_then(|s| s.split("\n```").next()).expect("its YAML");
    let report = load_str(example, Some("building-permit"));
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    let definition = report.definition.unwrap();
    let submit = &definition.transitions["submit"].documents;
    assert_eq!((submit["project"].min, submit["project"].max), (1, 10));
    assert_eq!((submit["isee"].min, submit["isee"].max), (0, 1));
    assert_eq!(definition.documents["project"].accept, ["application/pdf", "application/pkcs7-mime"]);
    assert_eq!(
        definition.transitions["submit"].guard.as_ref().unwrap().source(),
        "!input.reduced_fees || documents.isee >= 1"
    );
}

#[test]
fn a_data_or_input_field_named_documents_is_refused_where_it_is_declared() {
    let declared = "  project: { title: { it: Elaborati progettuali } }";
    let data = "data:\n  type: object\n  properties:\n    documents: { type: string, maxLength: 100, label: { it: Documenti } }\n";
    let text = data.to_owned() + &workflow(declared, "{ from: draft, to: submitted, by: citizen }");
    let (d, report) = the_diagnostic(&text, Code::ReservedName);
    assert_eq!(d.location, position_of(&text, "documents: { type"));
    assert!(!report.is_valid());

    let own = "{ from: draft, to: submitted, by: citizen, input: { properties: { documents: { type: array } } } }";
    let text = workflow(declared, own);
    let (d, _) = the_diagnostic(&text, Code::ReservedName);
    assert_eq!(d.location, position_of(&text, "documents: { type"));
    assert_eq!(d.message, "the input of `submit` may not have a field `documents`: it is the key of its files");

    let listed = "{ from: draft, to: submitted, by: citizen, input: { required: [reason, documents] } }";
    let text = workflow(declared, listed);
    let (d, _) = the_diagnostic(&text, Code::ReservedName);
    assert_eq!(d.location, position_of(&text, "documents] }"));
}

#[test]
fn only_the_top_level_name_is_reserved() {
    let data = "data:\n  type: object\n  properties:\n    \
                documents_request: { type: string, maxLength: 100, label: { it: Documenti richiesti } }\n    \
                site:\n      type: object\n      label: { it: Luogo }\n      properties:\n        \
                documents: { type: string, maxLength: 100, label: { it: Documenti del luogo } }\n";
    let submit = "{ from: draft, to: submitted, by: citizen, input: { required: [documents_request, site] } }";
    let text = data.to_owned() + &workflow("  project: { title: { it: Progetto } }", submit);
    let report = load_str(&text, Some("documents"));
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
}

const PROJECT_AND_ISEE: &str =
    "  project: { title: { it: Elaborati progettuali } }\n  isee: { title: { it: Attestazione ISEE } }";

#[test]
fn guards_and_amounts_read_how_many_documents_of_each_type_the_case_file_holds() {
    let submit = "{ from: draft, to: submitted, by: citizen, documents: { project: { min: 1, max: 10 }, isee: {} }, \
                  when: \"documents.isee >= 1 || documents.project > 2\", refusal: { it: Allega l'ISEE. } }";
    let text = workflow(PROJECT_AND_ISEE, submit)
        .replace("waiting_for: office }", "waiting_for: office, on_enter: [ { payment: fee } ] }")
        + "payments:\n  fee:\n    amount_cents: \"documents.isee > 0 ? 2600 : 5200\"\n    \
           description: Diritti di segreteria\n    due: 30 days\n";
    let report = load_str(&text, Some("documents"));
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    let definition = report.definition.unwrap();
    assert_eq!(
        definition.transitions["submit"].guard.as_ref().unwrap().source(),
        "documents.isee >= 1 || documents.project > 2"
    );
}

#[test]
fn an_undeclared_document_type_in_an_expression_is_named_with_the_closest_one() {
    let submit = "{ from: draft, to: submitted, by: citizen, documents: { isee: {} }, \
                  when: \"documents.ise >= 1\", refusal: { it: Allega l'ISEE. } }";
    let text = workflow(PROJECT_AND_ISEE, submit);
    let (d, _) = the_diagnostic(&text, Code::ExpressionUnknownField);
    assert_eq!(d.location, position_of(&text, "\"documents.ise >= 1\""));
    assert_eq!(d.message, "in a guard: `documents` has no field `ise`");
    assert_eq!(d.hint.as_deref(), Some("did you mean `isee`?"));

    let compared = text.replace("documents.ise >= 1", "documents.isee == 'yes'");
    let (d, _) = the_diagnostic(&compared, Code::ExpressionType);
    assert!(d.message.contains("operands of the same type"), "a count is an int: {d:?}");
}

#[test]
fn templates_print_how_many_documents_of_a_type_and_name_a_misspelt_one() {
    let markdown = "Abbiamo ricevuto la tua domanda {{case.code}} con {{documents.project}} elaborati progettuali. \
                    Ti scriveremo appena l'ufficio avrà deciso.";
    let text =
        workflow(PROJECT_AND_ISEE, "{ from: draft, to: submitted, by: citizen, documents: { project: { min: 1 } } }")
            .replace("waiting_for: office }", "waiting_for: office, on_enter: [ { notify: received } ] }")
            + &format!("notifications:\n  received:\n    subject: Domanda ricevuta\n    markdown: \"{markdown}\"\n");
    let report = load_str(&text, Some("documents"));
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);

    let misspelt = text.replace("{{documents.project}}", "{{documents.projects}}");
    let (d, _) = the_diagnostic(&misspelt, Code::TemplateUnknownVariable);
    assert_eq!(d.message, "in the markdown: unknown variable `documents.projects`");
    assert_eq!(d.hint.as_deref(), Some("did you mean `documents.project`?"));
}

#[test]
fn a_document_type_is_named_in_snake_case_so_that_expressions_can_read_it() {
    let text = workflow(
        "  project-drawings: { title: { it: Elaborati progettuali } }",
        "{ from: draft, to: submitted, by: citizen, documents: { project-drawings: {} } }",
    );
    let (d, _) = the_diagnostic(&text, Code::InvalidId);
    assert_eq!(d.location, position_of(&text, "project-drawings: { title"));
    assert_eq!(d.message, "`project-drawings` in `documents` is not snake_case");
}
