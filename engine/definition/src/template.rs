//! Notification templates: Handlebars (strict), compiled and checked when a workflow is validated.
//!
//! Checking walks the compiled template: every variable must exist in the scope a notification sees
//! (`workflow`, `case`, `state`, `data`, `clock`, `documents`, `payment`), and the length the text can
//! render to is bounded, from the fixed text and the longest value of each variable, so that App IO's
//! limits are checked before a message is ever sent.

use std::collections::BTreeMap;

use handlebars::Path;
use handlebars::template::{HelperTemplate, Parameter, Template, TemplateElement};

use super::diagnostic::suggestion;

/// Why a template was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateProblem {
    /// Not valid Handlebars; with line and column inside the template, when known.
    Syntax(String, Option<(usize, usize)>),
    /// A variable that does not exist, with a hint.
    UnknownVariable(String, String),
}

/// What a template may use: each variable path with the most characters it can print, if bounded.
#[derive(Debug, Clone, Default)]
pub struct TemplateScope {
    vars: BTreeMap<String, Option<usize>>,
}

impl TemplateScope {
    /// Declares a variable (`case.code`) and its longest rendering.
    pub fn insert(&mut self, path: impl Into<String>, max_len: Option<usize>) {
        self.vars.insert(path.into(), max_len);
    }

    fn lookup(&self, path: &str) -> Result<Option<usize>, TemplateProblem> {
        if let Some(bound) = self.vars.get(path) {
            return Ok(*bound);
        }
        // A prefix of declared variables (`{{#with data}}`, `{{#if payment.fee}}`) is a known object.
        let prefix = format!("{path}.");
        if self.vars.keys().any(|k| k.starts_with(&prefix)) {
            return Ok(None);
        }
        let parent = path.rsplit_once('.').map_or("", |(p, _)| p);
        let siblings: Vec<&str> = self
            .vars
            .keys()
            .filter(|k| k.rsplit_once('.').map_or("", |(p, _)| p) == parent)
            .map(String::as_str)
            .collect();
        Err(TemplateProblem::UnknownVariable(
            format!("unknown variable `{path}`"),
            suggestion(path, "variable", siblings),
        ))
    }
}

/// The fewest and most characters a template can render to (`None`: no upper bound is known).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// The fewest characters.
    pub min: usize,
    /// The most characters, when bounded.
    pub max: Option<usize>,
}

/// Helpers a template may call, as registered in the runtime's Handlebars registry.
const HELPERS: &[&str] =
    &["if", "unless", "each", "with", "lookup", "eq", "ne", "gt", "gte", "lt", "lte", "and", "or", "not", "len"];

/// Compiles `source` and checks its variables, returning the bounds of its rendered length.
pub fn check(source: &str, scope: &TemplateScope) -> Result<Bounds, TemplateProblem> {
    let template = compile(source)?;
    let mut walker = Walker { scope: Some(scope), each_depth: 0, with: Vec::new(), used: Vec::new() };
    walker.template(&template)
}

/// Every variable path the template uses (helpers' arguments included), in order; empty when it
/// does not compile.
pub fn variables(source: &str) -> Vec<String> {
    let Ok(template) = compile(source) else { return Vec::new() };
    let mut walker = Walker { scope: None, each_depth: 0, with: Vec::new(), used: Vec::new() };
    let _ = walker.template(&template);
    walker.used
}

fn compile(source: &str) -> Result<Template, TemplateProblem> {
    Template::compile(source).map_err(|error| {
        let reason = error.reason().to_string();
        let message = if reason.contains("expected") && reason.matches(',').count() > 3 {
            "the template cannot be parsed here: an unclosed `{{#…}}` block, a stray `{{` or a missing `}}`?".to_owned()
        } else {
            reason
        };
        TemplateProblem::Syntax(message, error.pos())
    })
}

struct Walker<'a> {
    scope: Option<&'a TemplateScope>,
    each_depth: usize,
    /// The objects `{{#with …}}` blocks opened, innermost last: names inside resolve against them.
    with: Vec<String>,
    used: Vec<String>,
}

impl Walker<'_> {
    fn template(&mut self, template: &Template) -> Result<Bounds, TemplateProblem> {
        let mut bounds = Bounds { min: 0, max: Some(0) };
        for element in &template.elements {
            let element_bounds = self.element(element)?;
            bounds.min += element_bounds.min;
            bounds.max = bounds.max.zip(element_bounds.max).map(|(a, b)| a + b);
        }
        Ok(bounds)
    }

    fn element(&mut self, element: &TemplateElement) -> Result<Bounds, TemplateProblem> {
        match element {
            TemplateElement::RawString(text) => {
                let n = text.chars().count();
                Ok(Bounds { min: n, max: Some(n) })
            }
            TemplateElement::Comment(_) => Ok(Bounds { min: 0, max: Some(0) }),
            TemplateElement::Expression(helper) | TemplateElement::HtmlExpression(helper) => self.expression(helper),
            TemplateElement::HelperBlock(helper) => self.block(helper),
            TemplateElement::DecoratorExpression(_)
            | TemplateElement::DecoratorBlock(_)
            | TemplateElement::PartialExpression(_)
            | TemplateElement::PartialBlock(_) => Err(TemplateProblem::Syntax(
                "partials and decorators are not available in notifications".to_owned(),
                None,
            )),
            _ => Err(TemplateProblem::Syntax("this template construct is not supported".to_owned(), None)),
        }
    }

    fn expression(&mut self, helper: &HelperTemplate) -> Result<Bounds, TemplateProblem> {
        let name = name_of(&helper.name);
        if helper.params.is_empty() && helper.hash.is_empty() && !HELPERS.contains(&name.as_str()) {
            let max = self.variable(&name)?;
            return Ok(Bounds { min: 0, max });
        }
        self.helper_name(&name)?;
        for param in helper.params.iter().chain(helper.hash.values()) {
            self.parameter(param)?;
        }
        Ok(Bounds { min: 0, max: if name == "len" { Some(20) } else { None } })
    }

    fn block(&mut self, helper: &HelperTemplate) -> Result<Bounds, TemplateProblem> {
        let name = name_of(&helper.name);
        self.helper_name(&name)?;
        for param in helper.params.iter().chain(helper.hash.values()) {
            self.parameter(param)?;
        }
        let is_each = name == "each";
        let with = match (name.as_str(), helper.params.first()) {
            ("with", Some(param @ Parameter::Path(_))) => Some(self.resolve(&name_of(param))),
            _ => None,
        };
        if is_each {
            self.each_depth += 1;
        }
        if let Some(object) = &with {
            self.with.push(object.clone());
        }
        let inner = helper.template.as_ref().map(|t| self.template(t)).transpose();
        if with.is_some() {
            self.with.pop();
        }
        if is_each {
            self.each_depth -= 1;
        }
        let inner = inner?;
        let inverse = helper.inverse.as_ref().map(|t| self.template(t)).transpose()?;
        let empty = Bounds { min: 0, max: Some(0) };
        let (inner, inverse) = (inner.unwrap_or(empty), inverse.unwrap_or(empty));
        Ok(match name.as_str() {
            "each" => Bounds { min: 0, max: None },
            // `if`, `unless`, `with`: one branch or the other renders.
            _ => Bounds { min: inner.min.min(inverse.min), max: inner.max.zip(inverse.max).map(|(a, b)| a.max(b)) },
        })
    }

    fn helper_name(&self, name: &str) -> Result<(), TemplateProblem> {
        if HELPERS.contains(&name) || self.scope.is_none() {
            Ok(())
        } else {
            Err(TemplateProblem::UnknownVariable(
                format!("unknown helper `{name}`"),
                suggestion(name, "helper", HELPERS.iter().copied()),
            ))
        }
    }

    fn parameter(&mut self, param: &Parameter) -> Result<(), TemplateProblem> {
        match param {
            Parameter::Literal(_) => Ok(()),
            Parameter::Subexpression(sub) => {
                let name = sub.name();
                self.helper_name(name)?;
                for p in sub.params().into_iter().flatten() {
                    self.parameter(p)?;
                }
                Ok(())
            }
            other => self.variable(&name_of(other)).map(|_| ()),
        }
    }

    /// A name as seen inside the current `{{#with}}` blocks: `surname` inside `{{#with data}}` is
    /// `data.surname`.
    fn resolve(&self, path: &str) -> String {
        match self.with.last() {
            Some(object) if !path.starts_with('@') && !path.starts_with("this") && !path.starts_with("../") => {
                format!("{object}.{path}")
            }
            _ => path.to_owned(),
        }
    }

    fn variable(&mut self, path: &str) -> Result<Option<usize>, TemplateProblem> {
        let resolved = self.resolve(path);
        let path = resolved.as_str();
        self.used.push(path.to_owned());
        let local = path.starts_with('@') || path.starts_with("this") || path.starts_with("../") || path == ".";
        if self.each_depth > 0 && (local || !path.contains('.')) {
            return Ok(None);
        }
        if local {
            return Ok(None);
        }
        match self.scope {
            Some(scope) => scope.lookup(path),
            None => Ok(None),
        }
    }
}

fn name_of(param: &Parameter) -> String {
    match param {
        Parameter::Name(name) => name.clone(),
        Parameter::Path(Path::Relative((_, raw)) | Path::Local((_, _, raw))) => raw.clone(),
        Parameter::Literal(value) => value.to_string(),
        Parameter::Subexpression(sub) => sub.name().to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> TemplateScope {
        let mut scope = TemplateScope::default();
        scope.insert("case.code", Some(12));
        scope.insert("data.notes", None);
        scope.insert("clock.procedure.due", Some(10));
        scope
    }

    #[test]
    fn bounds_add_fixed_text_and_variables() {
        let bounds = check("Pratica {{case.code}} entro il {{clock.procedure.due}}.", &scope()).unwrap();
        assert_eq!(bounds, Bounds { min: 19, max: Some(41) });
        assert_eq!(check("{{data.notes}}", &scope()).unwrap().max, None);
    }

    #[test]
    fn conditionals_take_the_longest_and_shortest_branch() {
        let bounds = check("{{#if case.code}}long text{{else}}x{{/if}}", &scope()).unwrap();
        assert_eq!(bounds, Bounds { min: 1, max: Some(9) });
    }

    #[test]
    fn unknown_variables_and_helpers_are_named() {
        let Err(TemplateProblem::UnknownVariable(message, hint)) = check("{{case.cod}}", &scope()) else { panic!() };
        assert_eq!((message.as_str(), hint.as_str()), ("unknown variable `case.cod`", "did you mean `case.code`?"));
        assert!(check("{{shout case.code}}", &scope()).is_err());
    }

    #[test]
    fn variables_are_listed_including_helper_arguments() {
        assert_eq!(variables("{{case.code}} {{lookup data 'surname'}} metadata."), vec!["case.code", "data"]);
    }

    #[test]
    fn names_inside_with_blocks_resolve_against_its_object() {
        let mut scope = scope();
        scope.insert("data.surname", Some(40));
        assert_eq!(check("{{#with data}}{{surname}}{{/with}}", &scope).unwrap().max, Some(40));
        assert!(check("{{#with data}}{{surnam}}{{/with}}", &scope).is_err());
        assert_eq!(variables("{{#with data}}{{surname}}{{/with}}"), vec!["data", "data.surname"]);
    }

    #[test]
    fn syntax_errors_are_reported() {
        assert!(matches!(check("{{#if case.code}}open", &scope()), Err(TemplateProblem::Syntax(..))));
    }
}
