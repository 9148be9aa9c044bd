//! Diagnostics: what is wrong (or doubtful) in a workflow file, where, and how to fix it.
//!
//! Every problem has a stable kebab-case [`Code`] (documented in `docs/problems/`), a [`Severity`], the
//! YAML path of the offending node, its `line:column` and a hint. Validation collects all of them
//! rather than stopping at the first, and only errors make a file invalid.

use std::fmt;

use serde::Serialize;

/// A place in the YAML text: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Location {
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file is invalid: the runtime will not accept it.
    Error,
    /// Doubtful but accepted.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal, $severity:ident;)*) => {
        /// The stable identifier of a kind of problem; each has a page `docs/problems/<code>.md`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(into = "&'static str")]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The kebab-case code, as printed and documented.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// Whether the code asks for a text people read (a field's or an option's label, a
            /// refusal), which a version deployed before the rule still runs without.
            pub fn is_text_for_people(self) -> bool {
                matches!(self, Code::MissingFieldLabel | Code::MissingOptionLabel | Code::MissingRefusal)
            }

            /// The severity this code always has.
            pub fn severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// The one-line description of the code (the first line of its doc comment).
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => [$($doc,)*][0].trim(),)* }
            }
        }
    };
}

codes! {
    /// The file cannot be read as UTF-8 text.
    InvalidUtf8 = "invalid-utf8", Error;
    /// The file is larger than a workflow can reasonably be, or exceeds a parsing budget.
    TooLarge = "too-large", Error;
    /// The text is not well-formed YAML (bad indentation, tabs, unclosed quotes, …).
    YamlSyntax = "yaml-syntax", Error;
    /// A key the format does not know, often a typo.
    UnknownKey = "unknown-key", Error;
    /// A required key is absent.
    MissingKey = "missing-key", Error;
    /// A value has the wrong type or is not one of the allowed words.
    InvalidValue = "invalid-value", Error;
    /// The same key appears twice in one mapping: two states, transitions, … with one id.
    DuplicateId = "duplicate-id", Error;
    /// An id is not written in the house style (kebab-case workflow ids, snake_case elsewhere).
    InvalidId = "invalid-id", Error;
    /// No state is marked `initial: true`.
    NoInitialState = "no-initial-state", Error;
    /// More than one state is marked `initial: true`.
    SeveralInitialStates = "several-initial-states", Error;
    /// A final state has outgoing transitions.
    FinalStateWithTransitions = "final-state-with-transitions", Error;
    /// A name refers to a state that does not exist.
    UnknownState = "unknown-state", Error;
    /// A state cannot be reached from the initial state.
    UnreachableState = "unreachable-state", Error;
    /// No final state can be reached from a state: a case there would be stuck forever.
    DeadEndState = "dead-end-state", Error;
    /// A transition names a role that is neither built in nor declared under `roles`.
    UnknownRole = "unknown-role", Error;
    /// A deadline, clock or event names a transition that does not exist.
    UnknownTransition = "unknown-transition", Error;
    /// A name refers to a clock that does not exist.
    UnknownClock = "unknown-clock", Error;
    /// An effect names a notification, payment or webhook that does not exist.
    UnknownEffect = "unknown-effect", Error;
    /// A deadline, clock expiry or event fires a transition that is not `by: system`.
    TimerTransitionNotSystem = "timer-transition-not-system", Error;
    /// A deadline or clock expiry fires a transition that does not leave the state it applies to.
    TimerTransitionWrongState = "timer-transition-wrong-state", Error;
    /// A clock can expire in a state its `on_expiry` transition does not leave.
    ClockExpiryNotHandled = "clock-expiry-not-handled", Warning;
    /// Two transitions fired by one event leave the same state.
    AmbiguousEvent = "ambiguous-event", Error;
    /// A `system` transition that no deadline, clock or event fires can never happen.
    SystemTransitionNeverFired = "system-transition-never-fired", Warning;
    /// A duration is not `N days`, `N business days` or `N hours`.
    BadDuration = "bad-duration", Error;
    /// A deadline has neither or both of `after` and `at`.
    BadDeadline = "bad-deadline", Error;
    /// An expression is not valid CEL.
    ExpressionSyntax = "expression-syntax", Error;
    /// An expression uses a variable or data field that does not exist.
    ExpressionUnknownField = "expression-unknown-field", Error;
    /// An expression has the wrong type (a guard that is not boolean, an amount that is not an integer, …).
    ExpressionType = "expression-type", Error;
    /// A notification template is not valid (strict) Handlebars.
    TemplateSyntax = "template-syntax", Error;
    /// A notification template uses a variable that does not exist.
    TemplateUnknownVariable = "template-unknown-variable", Error;
    /// A notification subject is outside App IO's 10 to 120 characters.
    AppIoSubjectLength = "app-io-subject-length", Error;
    /// A notification body is outside App IO's 80 to 10,000 characters.
    AppIoMarkdownLength = "app-io-markdown-length", Error;
    /// The length of a rendered notification cannot be bounded, so App IO's limits cannot be checked.
    AppIoUnboundedLength = "app-io-unbounded-length", Warning;
    /// A notification subject uses case data, which App IO forbids in subjects (personal data).
    PersonalDataInSubject = "personal-data-in-subject", Warning;
    /// The `data` schema or a transition's `input` is not a valid JSON Schema.
    InvalidDataSchema = "invalid-data-schema", Error;
    /// A transition's input field is not declared in the workflow's `data` schema.
    InputFieldNotInData = "input-field-not-in-data", Error;
    /// The workflow names a calendar that is neither built in nor declared.
    UnknownCalendar = "unknown-calendar", Error;
    /// A declared calendar has a bad patron day or closure date.
    InvalidCalendar = "invalid-calendar", Error;
    /// A text shown to citizens has no Italian version.
    MissingItalianText = "missing-italian-text", Error;
    /// A field of `data` has no label for the people who fill it in or read it.
    MissingFieldLabel = "missing-field-label", Error;
    /// A value of a field with a fixed list of values has no label.
    MissingOptionLabel = "missing-option-label", Error;
    /// A guarded transition a person takes does not say what they read when its condition is false.
    MissingRefusal = "missing-refusal", Error;
    /// A state has no status text for citizens.
    MissingStatusText = "missing-status-text", Warning;
    /// A final state does not say its outcome, or a non-final state has one.
    OutcomeMismatch = "outcome-mismatch", Warning;
    /// A notification, payment, webhook or role is declared but never used.
    UnusedDefinition = "unused-definition", Warning;
    /// The workflow id differs from the file name.
    IdMismatchesFileName = "id-mismatches-file-name", Warning;
    /// A payment description is longer than pagoPA's 140 characters.
    PaymentDescriptionTooLong = "payment-description-too-long", Error;
    /// A transition names a document type not declared under `documents`.
    UnknownDocumentType = "unknown-document-type", Error;
    /// A document type accepts a format the case file cannot check, or a size that is not one.
    BadDocumentFormat = "bad-document-format", Error;
    /// A transition's `min`/`max` of a document cannot be met (`min` above `max`, none allowed, over 10).
    ImpossibleDocumentCount = "impossible-document-count", Error;
    /// A transition only the engine fires takes documents, which nobody could attach.
    DocumentsNobodyCanSend = "documents-nobody-can-send", Error;
    /// A citizen's transition takes a document type the citizen may not see.
    HiddenDocumentFromCitizen = "hidden-document-from-citizen", Warning;
    /// A data or input field is named `documents`, the input key that carries a transition's attachments.
    ReservedName = "reserved-name", Error;
}

impl From<Code> for &'static str {
    fn from(code: Code) -> Self {
        code.as_str()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One step of a YAML path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// Where a node sits in the document, as keys and indices from the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YamlPath(pub Vec<PathSegment>);

impl YamlPath {
    /// The root of the document.
    pub fn root() -> Self {
        Self::default()
    }

    /// This path followed by a key.
    pub fn key(&self, key: impl Into<String>) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Key(key.into()));
        Self(segments)
    }

    /// This path followed by an index.
    pub fn index(&self, index: usize) -> Self {
        let mut segments = self.0.clone();
        segments.push(PathSegment::Index(index));
        Self(segments)
    }
}

/// Builds a [`YamlPath`] from keys: `path!["states", name, "deadline"]`.
#[macro_export]
#[doc(hidden)]
macro_rules! yaml_path {
    ($($segment:expr),* $(,)?) => {
        $crate::YamlPath(vec![$($crate::PathSegment::Key(($segment).to_string()),)*])
    };
}

impl fmt::Display for YamlPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Key(key) if i == 0 => write!(f, "{key}")?,
                PathSegment::Key(key) => write!(f, ".{key}")?,
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl Serialize for YamlPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// One problem found in a workflow file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning (given by the code).
    pub severity: Severity,
    /// What is wrong, lowercase, with no final period.
    pub message: String,
    /// Where in the document, as keys and indices.
    pub path: YamlPath,
    /// Where in the text.
    pub location: Location,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at a path; its location is filled in from the document tree later.
    pub fn new(code: Code, path: YamlPath, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.severity(),
            message: message.into(),
            path,
            location: Location::default(),
            hint: None,
        }
    }

    /// The same diagnostic with a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same diagnostic at a known location.
    pub fn at(mut self, location: Location) -> Self {
        self.location = location;
        self
    }

    /// Whether it makes the file invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The closest candidate to a misspelt name, if one is close enough to suggest.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.chars().count() / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// A hint naming the closest candidate, or listing the candidates when there are few.
pub fn suggestion<'a>(name: &str, kind: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    if let Some(close) = did_you_mean(name, candidates.clone()) {
        return format!("did you mean `{close}`?");
    }
    let all: Vec<&str> = candidates.into_iter().collect();
    if all.is_empty() {
        format!("no {kind} is declared")
    } else if all.len() <= 12 {
        format!("the {kind}s are: {}", all.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))
    } else {
        format!("there are {} {kind}s; check the spelling", all.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{s} is not kebab-case"
            );
            assert!(!code.summary().is_empty());
        }
        assert!(Code::ALL.len() >= 20);
    }

    #[test]
    fn near_misses_are_suggested_and_far_ones_are_not() {
        assert_eq!(did_you_mean("trasitions", ["states", "transitions"]), Some("transitions"));
        assert_eq!(did_you_mean("submited", ["draft", "submitted"]), Some("submitted"));
        assert_eq!(did_you_mean("banana", ["draft", "submitted"]), None);
    }

    #[test]
    fn paths_print_as_dotted_keys_with_indices() {
        let path = YamlPath::root().key("states").key("draft").key("on_enter").index(1);
        assert_eq!(path.to_string(), "states.draft.on_enter[1]");
    }
}
