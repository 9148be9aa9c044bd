//! Expressions: guards and computed values in CEL, compiled and type-checked when a workflow is validated.
//!
//! The language is CEL (the Common Expression Language, as in Kubernetes and Google IAM), parsed by the
//! `cel` crate: side-effect free, no loops but bounded macros, no I/O. The crate has no type checker, so
//! this module walks the parsed tree against the types of the variables a workflow can see (`data` as
//! its JSON Schema says, `input`, `case`, `clock`, `documents`, `today`) and reports unknown fields and
//! wrong types before any case runs. Dates are ISO strings (`2026-03-29`) so that they compare as they
//! read.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use cel::IdedExpr;
use cel::common::ast::{EntryExpr, Expr, LiteralValue};

use super::diagnostic::suggestion;

/// The type of a value an expression can see or produce.
#[derive(Debug, Clone, PartialEq)]
pub enum Ty {
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Int,
    /// A non-negative whole number (`1u`).
    Uint,
    /// A floating-point number.
    Double,
    /// Text.
    String,
    /// A civil date written `YYYY-MM-DD` (a string with `format: date`).
    Date,
    /// `null`.
    Null,
    /// A list of values of one type.
    List(Box<Ty>),
    /// A map with values of one type.
    Map(Box<Ty>),
    /// An object with known fields; `open` when other fields may exist too.
    Object(BTreeMap<String, Ty>, bool),
    /// Not known until run time: accepted everywhere.
    Dyn,
}

impl Ty {
    /// An object type closed to other fields.
    pub fn object<'a>(fields: impl IntoIterator<Item = (&'a str, Ty)>) -> Ty {
        Ty::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(), false)
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Ty::Int | Ty::Uint | Ty::Double | Ty::Dyn)
    }

    fn is_stringy(&self) -> bool {
        matches!(self, Ty::String | Ty::Date | Ty::Dyn)
    }

    /// Whether a value of type `self` may stand where `expected` is wanted.
    pub fn fits(&self, expected: &Ty) -> bool {
        match (self, expected) {
            (Ty::Dyn, _) | (_, Ty::Dyn) => true,
            (Ty::Date, Ty::String) | (Ty::String, Ty::Date) => true,
            (Ty::List(a), Ty::List(b)) | (Ty::Map(a), Ty::Map(b)) => a.fits(b),
            (Ty::Object(..), Ty::Object(..)) | (Ty::Object(..), Ty::Map(_)) | (Ty::Map(_), Ty::Object(..)) => true,
            (a, b) => a == b,
        }
    }

    fn comparable(&self, other: &Ty) -> bool {
        self.fits(other)
            || other.fits(self)
            || (self.is_numeric() && other.is_numeric())
            || matches!((self, other), (Ty::Null, _) | (_, Ty::Null))
    }

    fn join(self, other: Ty) -> Ty {
        if self == other {
            self
        } else if matches!(self, Ty::Null) {
            other
        } else if matches!(other, Ty::Null) {
            self
        } else {
            Ty::Dyn
        }
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Uint => f.write_str("uint"),
            Ty::Double => f.write_str("double"),
            Ty::String => f.write_str("string"),
            Ty::Date => f.write_str("date"),
            Ty::Null => f.write_str("null"),
            Ty::List(t) => write!(f, "list({t})"),
            Ty::Map(t) => write!(f, "map({t})"),
            Ty::Object(..) => f.write_str("object"),
            Ty::Dyn => f.write_str("dyn"),
        }
    }
}

/// Why an expression was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExprError {
    /// Not valid CEL.
    Syntax(String),
    /// A variable, field or function that does not exist; with a hint.
    Unknown(String, String),
    /// A type mismatch.
    Type(String),
}

/// The variables an expression may use, by name.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    vars: BTreeMap<String, Ty>,
}

impl Scope {
    /// A scope with the given variables.
    pub fn new<'a>(vars: impl IntoIterator<Item = (&'a str, Ty)>) -> Self {
        Self { vars: vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect() }
    }
}

/// A compiled and type-checked expression, kept with its source and the program compiled from it, so
/// that evaluating it never parses again (see [`check`] on why parsing needs a large stack).
#[derive(Clone)]
pub struct Expression {
    source: String,
    ty: Ty,
    program: Arc<cel::Program>,
}

impl Expression {
    /// The CEL source.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The type it was checked to have.
    pub fn ty(&self) -> &Ty {
        &self.ty
    }

    /// The compiled program, for the runtime to execute.
    pub fn program(&self) -> &cel::Program {
        &self.program
    }
}

impl PartialEq for Expression {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.ty == other.ty
    }
}

impl fmt::Debug for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expression").field("source", &self.source).field("ty", &self.ty).finish()
    }
}

/// The longest expression accepted, in bytes: expressions are one-liners, not programs.
pub const MAX_EXPRESSION_BYTES: usize = 2_000;

/// The deepest parsed expression accepted: operators, calls, indexes, lists and maps inside one
/// another, as evaluation recurses once per level (`1 + 1 + … + 1` with 25 terms is 25 levels deep).
/// Evaluation runs on the caller's stack (a server thread has 2 MiB); a debug build overflows it at
/// about 50 levels.
pub const MAX_EXPRESSION_DEPTH: usize = 24;

/// The most macros (`all`, `exists`, `exists_one`, `map`, `filter`) nested in one another's bodies:
/// each level multiplies the work by the length of its list, so three levels over lists of a hundred
/// items are already a million steps.
pub const MAX_MACRO_NESTING: usize = 2;

/// Parses `source` as CEL and checks it in `scope` to have a type that fits `expected`, and within
/// [`MAX_EXPRESSION_BYTES`], [`MAX_EXPRESSION_DEPTH`] and [`MAX_MACRO_NESTING`].
///
/// The `cel` parser recurses deeply on nested brackets (in a debug build, more than 2 MiB of stack for
/// a dozen parentheses): call this on a large stack, as [`crate::load`] does. The [`Expression`] it
/// returns keeps the compiled program, so evaluating it needs no such stack.
pub fn check(source: &str, scope: &Scope, expected: &Ty) -> Result<Expression, ExprError> {
    if source.len() > MAX_EXPRESSION_BYTES {
        return Err(ExprError::Syntax(format!(
            "the expression has {} bytes; at most {MAX_EXPRESSION_BYTES} are allowed",
            source.len()
        )));
    }
    let program = cel::Program::compile(source).map_err(|errors| {
        let first = errors
            .errors
            .first()
            .map_or_else(|| "invalid expression".to_owned(), |e| format!("{} (at character {})", e.msg, e.pos.1 + 1));
        ExprError::Syntax(first)
    })?;
    let ty = Checker { scope: scope.vars.clone(), depth: 0, loops: 0 }.check(program.expression())?;
    if !ty.fits(expected) {
        return Err(ExprError::Type(format!("`{source}` is of type {ty}, but {expected} is needed here")));
    }
    Ok(Expression { source: source.to_owned(), ty, program: Arc::new(program) })
}

struct Checker {
    scope: BTreeMap<String, Ty>,
    /// How deep in the tree the node being checked is.
    depth: usize,
    /// How many macro bodies enclose it.
    loops: usize,
}

/// Functions beyond CEL's standard library that Sportello's runtime provides.
const EXTRA_FUNCTIONS: &[&str] = &["days_between", "add_days"];

impl Checker {
    fn check(&mut self, expr: &IdedExpr) -> Result<Ty, ExprError> {
        self.depth += 1;
        if self.depth > MAX_EXPRESSION_DEPTH {
            return Err(ExprError::Syntax(format!(
                "the expression is nested more than {MAX_EXPRESSION_DEPTH} levels deep (operators, calls, \
                 indexes, lists and maps inside one another); split it or simplify it"
            )));
        }
        let ty = self.check_node(expr);
        self.depth -= 1;
        ty
    }

    fn check_node(&mut self, expr: &IdedExpr) -> Result<Ty, ExprError> {
        match &expr.expr {
            Expr::Unspecified => Ok(Ty::Dyn),
            Expr::Literal(literal) => Ok(match literal {
                LiteralValue::Boolean(_) => Ty::Bool,
                LiteralValue::Bytes(_) => Ty::Dyn,
                LiteralValue::Double(_) => Ty::Double,
                LiteralValue::Int(_) => Ty::Int,
                LiteralValue::Null => Ty::Null,
                LiteralValue::String(_) => Ty::String,
                LiteralValue::UInt(_) => Ty::Uint,
            }),
            Expr::Ident(name) => self.scope.get(name).cloned().ok_or_else(|| {
                ExprError::Unknown(
                    format!("unknown variable `{name}`"),
                    suggestion(name, "variable", self.scope.keys().map(String::as_str)),
                )
            }),
            Expr::Select(select) => {
                let operand = self.check(&select.operand)?;
                let field = &select.field;
                let ty = match &operand {
                    Ty::Object(fields, open) => match fields.get(field) {
                        Some(ty) => ty.clone(),
                        None if *open => Ty::Dyn,
                        None => {
                            let owner = spell(&select.operand.expr);
                            return Err(ExprError::Unknown(
                                format!("`{owner}` has no field `{field}`"),
                                suggestion(field, "field", fields.keys().map(String::as_str)),
                            ));
                        }
                    },
                    Ty::Map(value) => (**value).clone(),
                    Ty::Dyn => Ty::Dyn,
                    other => {
                        return Err(ExprError::Type(format!(
                            "`.{field}` is applied to a {other}, which has no fields"
                        )));
                    }
                };
                Ok(if select.test { Ty::Bool } else { ty })
            }
            Expr::List(list) => {
                let mut element = Ty::Null;
                for item in &list.elements {
                    element = element.join(self.check(item)?);
                }
                Ok(Ty::List(Box::new(if element == Ty::Null { Ty::Dyn } else { element })))
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        self.check(&e.key)?;
                        self.check(&e.value)?;
                    }
                }
                Ok(Ty::Map(Box::new(Ty::Dyn)))
            }
            Expr::Struct(_) => {
                Err(ExprError::Unknown("message literals are not available".to_owned(), "use a map literal".to_owned()))
            }
            Expr::Comprehension(comprehension) => {
                if self.loops >= MAX_MACRO_NESTING {
                    return Err(ExprError::Syntax(format!(
                        "macros (`all`, `exists`, `exists_one`, `map`, `filter`) are nested more than \
                         {MAX_MACRO_NESTING} deep; each level multiplies the work by the length of its list"
                    )));
                }
                let range = self.check(&comprehension.iter_range)?;
                let element = match range {
                    Ty::List(t) => *t,
                    Ty::Map(_) | Ty::Object(..) => Ty::String,
                    _ => Ty::Dyn,
                };
                let accu = self.check(&comprehension.accu_init)?;
                let saved = self.scope.clone();
                self.scope.insert(comprehension.iter_var.clone(), element);
                if let Some(second) = &comprehension.iter_var2 {
                    self.scope.insert(second.clone(), Ty::Dyn);
                }
                self.scope.insert(
                    comprehension.accu_var.clone(),
                    if matches!(accu, Ty::List(_)) { Ty::List(Box::new(Ty::Dyn)) } else { accu },
                );
                self.loops += 1;
                let result = (|| {
                    self.check(&comprehension.loop_cond)?;
                    self.check(&comprehension.loop_step)?;
                    self.check(&comprehension.result)
                })();
                self.loops -= 1;
                self.scope = saved;
                result
            }
            Expr::Call(call) => self.call(&call.func_name, call.target.as_deref(), &call.args),
        }
    }

    fn call(&mut self, name: &str, target: Option<&IdedExpr>, args: &[IdedExpr]) -> Result<Ty, ExprError> {
        let target_ty = target.map(|t| self.check(t)).transpose()?;
        let tys = args.iter().map(|a| self.check(a)).collect::<Result<Vec<_>, _>>()?;
        let want = |ok: bool, what: &str| {
            if ok { Ok(()) } else { Err(ExprError::Type(format!("`{}` needs {what}, not {}", op(name), list(&tys)))) }
        };
        match name {
            "_&&_" | "_||_" => {
                want(tys.iter().all(|t| t.fits(&Ty::Bool)), "bool operands")?;
                Ok(Ty::Bool)
            }
            "!_" | "@not_strictly_false" => {
                want(tys.iter().all(|t| t.fits(&Ty::Bool)), "a bool operand")?;
                Ok(Ty::Bool)
            }
            "_==_" | "_!=_" => {
                want(tys.len() == 2 && tys[0].comparable(&tys[1]), "operands of the same type")?;
                Ok(Ty::Bool)
            }
            "_<_" | "_<=_" | "_>_" | "_>=_" => {
                let ok = tys.len() == 2
                    && ((tys[0].is_numeric() && tys[1].is_numeric())
                        || (tys[0].is_stringy() && tys[1].is_stringy())
                        || tys[0].fits(&tys[1]));
                want(ok, "two numbers, two strings or two dates")?;
                Ok(Ty::Bool)
            }
            "_+_" => match (&tys[0], &tys[1]) {
                (Ty::String | Ty::Date, Ty::String | Ty::Date) => Ok(Ty::String),
                (Ty::List(a), Ty::List(b)) => Ok(Ty::List(Box::new((**a).clone().join((**b).clone())))),
                (a, b) if a.is_numeric() && b.is_numeric() => Ok(numeric(a, b)),
                (Ty::Dyn, b) | (b, Ty::Dyn) => Ok(b.clone()),
                _ => Err(ExprError::Type(format!("`+` cannot add {}", list(&tys)))),
            },
            "_-_" | "_*_" | "_/_" | "_%_" => {
                want(tys.iter().all(Ty::is_numeric), "numbers")?;
                Ok(numeric(&tys[0], &tys[1]))
            }
            "-_" => {
                want(tys[0].is_numeric(), "a number")?;
                Ok(tys[0].clone())
            }
            "_?_:_" => {
                want(tys[0].fits(&Ty::Bool), "a bool condition")?;
                Ok(tys[1].clone().join(tys[2].clone()))
            }
            "_[_]" | "_[?_]" => Ok(match &tys[0] {
                Ty::List(t) | Ty::Map(t) => (**t).clone(),
                _ => Ty::Dyn,
            }),
            "@in" => Ok(Ty::Bool),
            "size" => Ok(Ty::Int),
            "has" => Ok(Ty::Bool),
            "int" => Ok(Ty::Int),
            "uint" => Ok(Ty::Uint),
            "double" => Ok(Ty::Double),
            "string" => Ok(Ty::String),
            "bool" => Ok(Ty::Bool),
            "dyn" => Ok(Ty::Dyn),
            "contains" | "startsWith" | "endsWith" | "matches" => {
                want(target_ty.as_ref().is_none_or(Ty::is_stringy) && tys.iter().all(Ty::is_stringy), "strings")?;
                Ok(Ty::Bool)
            }
            "max" | "min" => Ok(tys.first().cloned().unwrap_or(Ty::Dyn)),
            "days_between" => {
                want(tys.len() == 2 && tys.iter().all(Ty::is_stringy), "two dates")?;
                Ok(Ty::Int)
            }
            "add_days" => {
                want(tys.len() == 2 && tys[0].is_stringy() && tys[1].fits(&Ty::Int), "a date and an int")?;
                Ok(Ty::Date)
            }
            other => {
                let known = [
                    "size",
                    "int",
                    "uint",
                    "double",
                    "string",
                    "bool",
                    "contains",
                    "startsWith",
                    "endsWith",
                    "matches",
                    "max",
                    "min",
                ];
                Err(ExprError::Unknown(
                    format!("unknown function `{other}`"),
                    suggestion(other, "function", known.iter().chain(EXTRA_FUNCTIONS).copied()),
                ))
            }
        }
    }
}

fn numeric(a: &Ty, b: &Ty) -> Ty {
    match (a, b) {
        (Ty::Dyn, t) | (t, Ty::Dyn) => t.clone(),
        (a, b) if a == b => a.clone(),
        _ => Ty::Double,
    }
}

fn op(name: &str) -> &str {
    name.trim_matches('_').trim_start_matches('@').trim_end_matches('_')
}

fn list(tys: &[Ty]) -> String {
    tys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" and ")
}

fn spell(expr: &Expr) -> String {
    match expr {
        Expr::Ident(name) => name.clone(),
        Expr::Select(select) => format!("{}.{}", spell(&select.operand.expr), select.field),
        _ => "the value".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        let data = Ty::object([
            ("fee_cents", Ty::Int),
            ("parcel", Ty::String),
            ("hearing", Ty::Date),
            ("kids", Ty::List(Box::new(Ty::String))),
        ]);
        let clock = Ty::object([("procedure", Ty::object([("elapsed_days", Ty::Int), ("interruptions", Ty::Int)]))]);
        Scope::new([("data", data), ("clock", clock), ("today", Ty::Date)])
    }

    #[test]
    fn well_typed_guards_and_amounts_pass() {
        for source in [
            "data.parcel != ''",
            "clock.procedure.interruptions == 0 && clock.procedure.elapsed_days <= 30",
            "has(data.parcel) && size(data.kids) > 0",
            "data.hearing > today",
            "data.kids.all(k, k != '')",
            "data.fee_cents > 100 ? true : false",
        ] {
            assert!(check(source, &scope(), &Ty::Bool).is_ok(), "{source}: {:?}", check(source, &scope(), &Ty::Bool));
        }
        assert_eq!(check("data.fee_cents * 2", &scope(), &Ty::Int).unwrap().ty(), &Ty::Int);
    }

    #[test]
    fn unknown_fields_are_named_with_a_suggestion() {
        let error = check("data.parcl != ''", &scope(), &Ty::Bool).unwrap_err();
        assert_eq!(error, ExprError::Unknown("`data` has no field `parcl`".into(), "did you mean `parcel`?".into()));
        assert!(matches!(check("dta.parcel", &scope(), &Ty::Bool), Err(ExprError::Unknown(..))));
    }

    #[test]
    fn wrong_types_are_refused() {
        assert!(matches!(check("data.fee_cents", &scope(), &Ty::Bool), Err(ExprError::Type(_))));
        assert!(matches!(check("data.parcel", &scope(), &Ty::Int), Err(ExprError::Type(_))));
        assert!(matches!(check("data.parcel == 3", &scope(), &Ty::Bool), Err(ExprError::Type(_))));
        assert!(matches!(check("data.parcel && true", &scope(), &Ty::Bool), Err(ExprError::Type(_))));
    }

    #[test]
    fn syntax_errors_say_where() {
        let Err(ExprError::Syntax(message)) = check("data.parcel == ", &scope(), &Ty::Bool) else { panic!() };
        assert!(message.contains("character"), "{message}");
    }

    /// Issue 22 (fuzzing): deeper trees overflowed the stack of the thread evaluating them, and nested
    /// macros over short lists ran for hours.
    #[test]
    fn too_deep_expressions_and_nested_macros_are_refused_with_the_limit() {
        let at_the_limit = format!("1{}", " + 1".repeat(MAX_EXPRESSION_DEPTH - 1));
        assert!(check(&at_the_limit, &scope(), &Ty::Int).is_ok());
        let Err(ExprError::Syntax(message)) = check(&format!("{at_the_limit} + 1"), &scope(), &Ty::Int) else {
            panic!()
        };
        assert!(message.contains("nested more than 24 levels deep"), "{message}");

        let two = "data.kids.all(a, data.kids.exists(b, a == b))";
        let three = "data.kids.all(a, data.kids.all(b, [1, 2].exists(c, a == b)))";
        assert!(check(two, &scope(), &Ty::Bool).is_ok());
        assert!(check("data.kids.map(a, a).filter(b, b != '').all(c, c != '')", &scope(), &Ty::Bool).is_ok());
        let Err(ExprError::Syntax(message)) = check(three, &scope(), &Ty::Bool) else { panic!() };
        assert!(message.contains("nested more than 2 deep"), "{message}");
    }
}
