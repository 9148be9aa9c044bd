//! Ids in the house style: kebab-case for the workflow, snake_case for what it declares, dotted
//! snake_case for events; reserved role names; the id matching the file name.

use super::Ctx;
use crate::ids::{is_kebab_case, is_snake_case};

/// The longest id accepted: ids appear in URLs, database rows and audit entries.
const MAX_ID_CHARS: usize = 64;
use crate::diagnostic::Code;

fn is_event(id: &str) -> bool {
    id.split('.').all(is_snake_case)
}

impl Ctx<'_> {
    pub(super) fn check_names(&mut self, file_stem: Option<&str>) {
        let raw = self.raw;
        if !is_kebab_case(&raw.id) || raw.id.len() > MAX_ID_CHARS {
            self.push(
                Code::InvalidId,
                crate::yaml_path!["id"],
                format!("workflow id `{}` is not kebab-case", raw.id),
                "use lowercase words joined by `-`, at most 64 characters, e.g. `building-permit`",
            );
        } else if let Some(stem) = file_stem.filter(|stem| *stem != raw.id) {
            self.push(
                Code::IdMismatchesFileName,
                crate::yaml_path!["id"],
                format!("workflow id `{}` differs from the file name `{stem}`", raw.id),
                format!("rename the file to `{}.yaml` or the id to `{stem}`", raw.id),
            );
        }
        if raw.version == 0 {
            self.push(
                Code::InvalidValue,
                crate::yaml_path!["version"],
                "version 0 is not allowed",
                "versions start at 1",
            );
        }
        let sections: [(&str, Vec<&String>); 9] = [
            ("states", raw.states.keys().collect()),
            ("transitions", raw.transitions.keys().collect()),
            ("clocks", raw.clocks.keys().collect()),
            ("roles", raw.roles.keys().collect()),
            ("payments", raw.payments.keys().collect()),
            ("notifications", raw.notifications.keys().collect()),
            ("webhooks", raw.webhooks.keys().collect()),
            ("calendars", raw.calendars.keys().collect()),
            ("documents", raw.documents.keys().collect()),
        ];
        for (section, ids) in sections {
            for id in ids {
                if !is_snake_case(id) || id.len() > MAX_ID_CHARS {
                    self.push(
                        Code::InvalidId,
                        crate::yaml_path![section, id],
                        format!("`{id}` in `{section}` is not snake_case"),
                        "use lowercase words joined by `_`, at most 64 characters, e.g. `ask_documents`",
                    );
                }
            }
        }
        for name in raw.events.keys() {
            if !is_event(name) {
                self.push(
                    Code::InvalidId,
                    crate::yaml_path!["events", name],
                    format!("event `{name}` is not dotted snake_case"),
                    "write events like `payment.paid` or `documents.received`",
                );
            }
        }
        for role in raw.roles.keys() {
            if role == "citizen" || role == "system" {
                self.push(
                    Code::InvalidId,
                    crate::yaml_path!["roles", role],
                    format!("`{role}` is a built-in role and cannot be declared"),
                    "remove it from `roles`; it is always available",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_are_recognised() {
        assert!(is_kebab_case("building-permit") && !is_kebab_case("Building_Permit") && !is_kebab_case("a--b"));
        assert!(is_snake_case("ask_documents") && !is_snake_case("askDocuments") && !is_snake_case("_x"));
        assert!(is_event("payment.paid") && !is_event("payment..paid"));
    }

    #[test]
    fn ids_longer_than_64_characters_are_refused() {
        let long = "a".repeat(65);
        let text = format!(
            "id: w\nversion: 1\ntitle: {{it: W}}\noffice: o\nstates:\n  {long}: {{initial: true, status: {{it: A}}}}\n  b: {{final: true, outcome: accepted, status: {{it: B}}}}\ntransitions:\n  go: {{from: {long}, to: b, by: citizen}}\n"
        );
        let report = crate::load_str(&text, None);
        let codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![Code::InvalidId], "{:?}", report.diagnostics);
        assert_eq!(report.diagnostics[0].location.line, 6);
    }
}
