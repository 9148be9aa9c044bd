//! Every diagnostic code, pinned: `fixtures/invalid/<code>.yaml` triggers `<code>`, and the messages,
//! hints and `line:column` of every fixture are insta snapshots (`cargo insta review` after a change).

use std::path::Path;

use sportello_definition::{Code, Report, load};

fn report_of(path: &Path) -> Report {
    let bytes = std::fs::read(path).unwrap();
    let stem = path.file_stem().and_then(|s| s.to_str());
    load(&bytes, stem)
}

fn render(report: &Report) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        out.push_str(&format!(
            "{}:{}: {}[{}] at {}: {}\n",
            d.location.line, d.location.column, d.severity, d.code, d.path, d.message
        ));
        if let Some(hint) = &d.hint {
            out.push_str(&format!("    hint: {hint}\n"));
        }
    }
    out.push_str(if report.is_valid() { "valid\n" } else { "invalid\n" });
    out
}

#[test]
fn every_fixture_reports_what_its_snapshot_says() {
    insta::glob!("fixtures/invalid/*.yaml", |path| {
        insta::assert_snapshot!(render(&report_of(path)));
    });
}

#[test]
fn every_code_has_a_fixture_that_triggers_it_and_a_documentation_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let index = std::fs::read_to_string(root.join("../../docs/problems/README.md")).unwrap();
    for code in Code::ALL {
        let row = format!("| [`{code}`]({code}.md) | {} | {} |", code.severity(), code.summary());
        assert!(index.contains(&row), "docs/problems/README.md should have the row\n{row}");
        let fixture = root.join(format!("tests/fixtures/invalid/{code}.yaml"));
        let report = report_of(&fixture);
        assert!(
            report.diagnostics.iter().any(|d| d.code == *code),
            "{code} not reported by its fixture:\n{}",
            render(&report)
        );
        let page = root.join(format!("../../docs/problems/{code}.md"));
        let text = std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("missing {}", page.display()));
        assert!(text.starts_with(&format!("# {code}")), "{} must start with its code", page.display());
        let first = report.diagnostics.iter().find(|d| d.code == *code).unwrap();
        let printed = format!(
            "{code}.yaml:{}:{}: {}[{code}]: {}",
            first.location.line, first.location.column, first.severity, first.message
        );
        assert!(text.contains(&printed), "{} should quote what the CLI prints today:\n{printed}", page.display());
    }
}

#[test]
fn one_file_with_five_problems_reports_all_five() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/five-problems.yaml");
    let report = report_of(&path);
    let mut codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    codes.dedup();
    assert_eq!(codes.len(), 5, "{}", render(&report));
    assert!(!report.is_valid());
}

#[test]
fn a_version_deployed_before_the_texts_for_people_were_required_still_runs() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/invalid/missing-field-label.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!sportello_definition::load_str(&text, Some("missing-field-label")).is_valid(), "refused at deploy");
    let stored = sportello_definition::load_stored(&text, Some("missing-field-label"));
    assert!(stored.is_valid(), "its cases still run: {:?}", stored.diagnostics);
    let broken = text.replace("to: submitted", "to: submited");
    assert!(!sportello_definition::load_stored(&broken, None).is_valid(), "any other error still stops it");
}
