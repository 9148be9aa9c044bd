//! What citizens read: Italian texts required, status texts expected, outcomes where they belong.

use super::{Ctx, text_of};
use crate::diagnostic::{Code, YamlPath};
use crate::model::Text;
use crate::raw::RawText;

impl Ctx<'_> {
    /// The text, after checking it has an Italian version.
    pub(super) fn text(&mut self, raw: &RawText, path: &YamlPath) -> Text {
        if raw.it.as_deref().is_none_or(|it| it.trim().is_empty()) {
            self.push(
                Code::MissingItalianText,
                path.clone(),
                format!("`{path}` has no Italian text"),
                "add `it: …`: Italian is required wherever citizens read, English is optional",
            );
        }
        text_of(raw)
    }

    pub(super) fn check_state_texts(&mut self, name: &str) {
        let Some(state) = self.raw.states.get(name) else {
            return;
        };
        let path = crate::yaml_path!["states", name];
        match &state.status {
            Some(status) => {
                self.text(status, &path.key("status"));
            }
            None => self.push(
                Code::MissingStatusText,
                path.clone(),
                format!("state `{name}` has no status text for citizens"),
                "add `status: { it: …, en: … }` so the citizen's page says where the case stands",
            ),
        }
        if let Some(milestone) = &state.milestone {
            self.text(milestone, &path.key("milestone"));
        }
        match (state.r#final, state.outcome) {
            (true, None) => self.push(
                Code::OutcomeMismatch,
                path,
                format!("final state `{name}` does not say its outcome"),
                "add `outcome: accepted`, `rejected` or `withdrawn`",
            ),
            (false, Some(_)) => self.push(
                Code::OutcomeMismatch,
                path.key("outcome"),
                format!("state `{name}` has an outcome but is not final"),
                "remove `outcome` or add `final: true`",
            ),
            _ => {}
        }
    }
}
