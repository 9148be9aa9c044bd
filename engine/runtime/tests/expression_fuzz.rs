//! Fuzz target for expressions, as proptest properties: CEL-like text, from a grammar of variables,
//! literals at the edges of their types, operators, functions and macros, mostly well typed, sometimes
//! wrapped many levels deep, cut short or salted with junk, is checked as validation checks it (on its
//! large stack) and, when accepted, evaluated as the runtime evaluates it (on a server thread's 2 MiB
//! stack) against random case data. Neither may panic, overflow the stack or run for long: the checker
//! accepts or says why, and an accepted expression gives a value or an evaluation error.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use serde_json::{Map, Value as Json};
use sportello_definition::expr::{ExprError, Expression, Scope, Ty, check};
use sportello_definition::parse::on_large_stack;
use sportello_runtime::evaluate::{EvaluationError, evaluate};

/// `PROPTEST_CASES` when set (to run longer), else `default`.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// The variables a guard sees, shaped like a workflow's: `data` open to other fields, `input` closed.
fn scope() -> Scope {
    let fields = |open| {
        let fields = [
            ("n", Ty::Int),
            ("s", Ty::String),
            ("d", Ty::Date),
            ("b", Ty::Bool),
            ("x", Ty::Double),
            ("list", Ty::List(Box::new(Ty::Int))),
            ("tags", Ty::List(Box::new(Ty::String))),
            ("map", Ty::Map(Box::new(Ty::Dyn))),
        ];
        Ty::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(), open)
    };
    let clock = Ty::object([("elapsed_days", Ty::Int), ("due", Ty::Date), ("running", Ty::Bool)]);
    Scope::new([
        ("data", fields(true)),
        ("input", fields(false)),
        ("case", Ty::object([("code", Ty::String), ("opened_at", Ty::Date)])),
        ("clock", Ty::object([("procedure", clock)])),
        ("today", Ty::Date),
    ])
}

/// Choices read one by one from random bytes; past the end, always the first (a leaf).
struct Tape<'a>(std::slice::Iter<'a, u8>);

impl Tape<'_> {
    fn pick<'s>(&mut self, options: &[&'s str]) -> &'s str {
        options[self.below(options.len())]
    }

    fn below(&mut self, n: usize) -> usize {
        self.0.next().map_or(0, |&b| usize::from(b) % n)
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Int,
    Bool,
    Str,
    Date,
    List,
}

/// A mostly well-typed expression of `kind`, at most `depth` levels deep.
fn typed(kind: Kind, depth: u32, tape: &mut Tape<'_>) -> String {
    let leaf = |tape: &mut Tape<'_>| -> String {
        let options: &[&str] = match kind {
            Kind::Int => &[
                "data.n",
                "input.n",
                "clock.procedure.elapsed_days",
                "0",
                "-1",
                "7",
                "9223372036854775807",
                "-9223372036854775808",
                "size(data.tags)",
                "data.other",
            ],
            Kind::Bool => &["data.b", "true", "false", "has(data.n)", "has(data.other)", "clock.procedure.running"],
            Kind::Str => &["data.s", "input.s", "case.code", "''", "'é'", "'(['", "data.tags[0]"],
            Kind::Date => &["today", "data.d", "clock.procedure.due", "'2026-02-28'", "'9999-12-31'", "'x'"],
            Kind::List => &["data.list", "input.list", "[]", "[1, 2, 3]", "[9223372036854775807, -1]"],
        };
        tape.pick(options).to_owned()
    };
    if depth == 0 || tape.below(3) == 0 {
        return leaf(tape);
    }
    let d = depth - 1;
    let sub = |kind, tape: &mut Tape<'_>| typed(kind, d, tape);
    match kind {
        Kind::Int => match tape.below(7) {
            0 => {
                let op = tape.pick(&["+", "-", "*", "/", "%"]);
                format!("{} {op} {}", sub(Kind::Int, tape), sub(Kind::Int, tape))
            }
            1 => format!("-({})", sub(Kind::Int, tape)),
            2 => format!("days_between({}, {})", sub(Kind::Date, tape), sub(Kind::Date, tape)),
            3 => format!("size({})", sub(Kind::List, tape)),
            4 => format!("{}[{}]", sub(Kind::List, tape), sub(Kind::Int, tape)),
            5 => format!("{} ? {} : {}", sub(Kind::Bool, tape), sub(Kind::Int, tape), sub(Kind::Int, tape)),
            _ => format!("int({})", sub(Kind::Str, tape)),
        },
        Kind::Bool => match tape.below(7) {
            0 => {
                let op = tape.pick(&["==", "!=", "<", "<=", ">", ">="]);
                format!("{} {op} {}", sub(Kind::Int, tape), sub(Kind::Int, tape))
            }
            1 => {
                let op = tape.pick(&["&&", "||"]);
                format!("{} {op} {}", sub(Kind::Bool, tape), sub(Kind::Bool, tape))
            }
            2 => format!("!({})", sub(Kind::Bool, tape)),
            3 => format!("{} < {}", sub(Kind::Date, tape), sub(Kind::Date, tape)),
            4 => {
                let name = tape.pick(&["all", "exists", "exists_one"]);
                format!("{}.{name}(e, e > {})", sub(Kind::List, tape), sub(Kind::Int, tape))
            }
            5 => {
                let method = tape.pick(&["contains", "startsWith", "endsWith", "matches"]);
                format!("{}.{method}({})", sub(Kind::Str, tape), sub(Kind::Str, tape))
            }
            _ => format!("{} in {}", sub(Kind::Int, tape), sub(Kind::List, tape)),
        },
        Kind::Str => match tape.below(3) {
            0 => format!("{} + {}", sub(Kind::Str, tape), sub(Kind::Str, tape)),
            1 => format!("string({})", sub(Kind::Int, tape)),
            _ => sub(Kind::Date, tape),
        },
        Kind::Date => format!("add_days({}, {})", sub(Kind::Date, tape), sub(Kind::Int, tape)),
        Kind::List => match tape.below(4) {
            0 => format!("{}.map(e, {})", sub(Kind::List, tape), sub(Kind::Int, tape).replace("data.n", "e")),
            1 => format!("{}.filter(e, e % 2 == {})", sub(Kind::List, tape), sub(Kind::Int, tape)),
            2 => format!("{} + {}", sub(Kind::List, tape), sub(Kind::List, tape)),
            _ => format!("[{}, {}]", sub(Kind::Int, tape), sub(Kind::Int, tape)),
        },
    }
}

/// An expression: well typed, or wrapped in many layers, or cut short, or with junk inserted.
fn source() -> impl Strategy<Value = String> {
    let kind = prop::sample::select(vec![Kind::Int, Kind::Bool, Kind::Str, Kind::Date, Kind::List]);
    let typed = (kind, prop::collection::vec(any::<u8>(), 0..160)).prop_map(|(kind, bytes)| {
        let mut tape = Tape(bytes.iter());
        typed(kind, 6, &mut tape)
    });
    let wrapper = prop::sample::select(vec![
        ("(", ")"),
        ("[", "]"),
        ("{1: ", "}"),
        ("dyn(", ")"),
        ("size(", ")"),
        ("1 + ", ""),
        ("", " + 1"),
        ("", "[0]"),
        ("!", ""),
        ("-", ""),
        ("[1].all(e, ", ")"),
        ("[1, 2].map(e, ", ")"),
    ]);
    let junk = prop_oneof![
        prop::sample::select(vec![
            "(", ")", "[", "]", "{", "}", ".", ",", "?", ":", "'", "\"", "\\", "r'", "\u{0}", "é"
        ])
        .prop_map(str::to_owned),
        prop::collection::vec(any::<u8>(), 1..4).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ];
    prop_oneof![
        6 => typed.clone(),
        2 => (typed.clone(), wrapper, 1usize..120).prop_map(|(text, (open, close), n)| {
            format!("{}{text}{}", open.repeat(n), close.repeat(n))
        }),
        1 => (typed.clone(), any::<prop::sample::Index>(), junk).prop_map(|(text, at, junk)| {
            let at = floor_char_boundary(&text, at.index(text.len() + 1));
            format!("{}{junk}{}", &text[..at], &text[at..])
        }),
        1 => (typed, any::<prop::sample::Index>()).prop_map(|(text, at)| {
            text[..floor_char_boundary(&text, at.index(text.len() + 1))].to_owned()
        }),
    ]
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A JSON value of any shape, small.
fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        prop::sample::select(vec![0, 1, -1, 2, i64::MAX, i64::MIN]).prop_map(Json::from),
        any::<u64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        prop::sample::select(vec!["", "abc", "2026-03-01", "2026-02-30", "(", "é"])
            .prop_map(|s: &str| Json::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::btree_map(prop::sample::select(vec!["n", "s", "list"]), inner, 0..3)
                .prop_map(|m| Json::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// Case data: each field of the scope's shape usually present with a value of its type, sometimes
/// missing or of another shape.
fn record() -> impl Strategy<Value = Json> {
    let field = |value: BoxedStrategy<Json>| prop_oneof![6 => value.prop_map(Some), 1 => Just(None), 1 => json().prop_map(Some)];
    let int = || prop::sample::select(vec![0, 1, -1, 7, i64::MAX, i64::MIN]).prop_map(Json::from).boxed();
    let ints = prop::collection::vec(int(), 0..5).prop_map(Json::Array).boxed();
    let strings = prop::sample::select(vec!["", "a", "2026-03-01", "é("]);
    let string = strings.clone().prop_map(|s: &str| Json::String(s.to_owned())).boxed();
    let tags =
        prop::collection::vec(strings.prop_map(|s: &str| Json::String(s.to_owned())), 0..4).prop_map(Json::Array);
    (
        (field(int()), field(string.clone()), field(string), field(any::<bool>().prop_map(Json::Bool).boxed())),
        (field(any::<f64>().prop_map(Json::from).boxed()), field(ints), field(tags.boxed()), field(json().boxed())),
    )
        .prop_map(|((n, s, d, b), (x, list, tags, map))| {
            let fields =
                [("n", n), ("s", s), ("d", d), ("b", b), ("x", x), ("list", list), ("tags", tags), ("map", map)];
            Json::Object(fields.into_iter().filter_map(|(k, v)| Some((k.to_owned(), v?))).collect::<Map<_, _>>())
        })
}

/// Evaluates on a thread with the stack a tokio worker has, returning how long it took.
fn evaluate_on_a_server_stack(
    expression: Expression,
    variables: Vec<(&'static str, Json)>,
) -> (Result<Json, EvaluationError>, Duration) {
    let thread = std::thread::Builder::new().stack_size(2 * 1024 * 1024);
    let handle = thread
        .spawn(move || {
            let started = Instant::now();
            let result = evaluate(&expression, &variables);
            (result, started.elapsed())
        })
        .expect("a thread");
    handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(1_000)))]

    #[test]
    fn the_checker_accepts_or_says_why_and_accepted_expressions_evaluate_or_fail_cleanly(
        source in source(),
        expected in prop::sample::select(vec![Ty::Bool, Ty::Int, Ty::Date, Ty::Dyn]),
        data in record(),
        input in record(),
        today in prop::sample::select(vec!["2026-03-01", "9999-12-31", "not a date"]),
    ) {
        let expression = match on_large_stack(|| check(&source, &scope(), &expected)) {
            Ok(expression) => expression,
            Err(ExprError::Syntax(m) | ExprError::Type(m) | ExprError::Unknown(m, _)) => {
                prop_assert!(!m.is_empty());
                return Ok(());
            }
        };
        let variables = vec![
            ("data", data),
            ("input", input),
            ("case", serde_json::json!({"code": "BP-2026-000001", "opened_at": "2026-03-01"})),
            ("clock", serde_json::json!({"procedure": {"elapsed_days": 3, "due": "2026-04-01", "running": true}})),
            ("today", Json::String(today.to_owned())),
        ];
        let (result, took) = evaluate_on_a_server_stack(expression, variables);
        prop_assert!(took < Duration::from_secs(2), "{source} took {took:?}");
        if let Err(error) = result {
            prop_assert!(error.to_string().contains("could not be evaluated"), "{error}");
        }
    }
}
