//! The docs stay true to the code: each workflow's page carries the diagram the CLI draws today
//! (regenerate with `scripts/update-docs`), and the format guide's complete example validates.

use std::path::Path;

use sportello_definition::{diagram, load};

#[test]
fn every_workflow_page_has_its_current_mermaid_diagram() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut checked = 0;
    for entry in std::fs::read_dir(root.join("workflows")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(id) = name.strip_suffix(".yaml").filter(|n| !n.ends_with(".test")) else { continue };
        let definition =
            load(&std::fs::read(&path).unwrap(), Some(id)).definition.unwrap_or_else(|| panic!("{name} is invalid"));
        let page = std::fs::read_to_string(root.join(format!("docs/workflows/{id}.md"))).unwrap_or_default();
        let expected = format!("<!-- diagram -->\n```mermaid\n{}```\n", diagram::mermaid(&definition));
        assert!(page.ends_with(&expected), "docs/workflows/{id}.md has no current diagram: run scripts/update-docs");
        checked += 1;
    }
    assert!(checked >= 5);
}

#[test]
fn every_workflow_file_points_editors_at_the_format_schema() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for entry in std::fs::read_dir(root.join("workflows")).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().ends_with(".test.yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# yaml-language-server: $schema=../docs/workflow.schema.json\n"),
            "{} must start with the yaml-language-server modeline",
            path.display()
        );
    }
}

#[test]
fn the_format_guides_complete_example_validates_with_no_errors_and_no_warnings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let guide = std::fs::read_to_string(root.join("docs/workflow-format.md")).unwrap();
    let section = guide.split("### A complete example").nth(1).expect("the section");
    let example = section.split("```yaml\n").nth(1).and_then(|s| s.split("\n```").next()).expect("its YAML");
    let report = sportello_definition::load_str(example, Some("public-land-permit"));
    assert!(report.is_valid() && report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
}
