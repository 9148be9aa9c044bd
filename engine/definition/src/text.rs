//! A text people read, in Italian and optionally English, and the language a page or a message is
//! read in. Every text of a workflow (titles, statuses, labels, refusals) is a [`Text`].

/// A text in Italian, optionally in English.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Text {
    /// Italian.
    pub it: String,
    /// English, if given.
    pub en: Option<String>,
}

impl Text {
    /// The text in `lang`: English when asked for and given, else Italian.
    pub fn get(&self, lang: Lang) -> &str {
        match (lang, &self.en) {
            (Lang::En, Some(en)) => en,
            _ => &self.it,
        }
    }
}

/// The language a person reads a page or a message in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// Italian, the administration's language and the default.
    #[default]
    It,
    /// English.
    En,
}

impl Lang {
    /// `en` is English; any other code is Italian.
    pub fn from_code(code: &str) -> Lang {
        if code == "en" { Lang::En } else { Lang::It }
    }
}
