//! A case's pending timers as its audit seal sees them (`sportello_runtime::audit_seal`): one
//! `[kind, name, due_at, fire, term_day]` array each (`due_at` in microseconds, as stored), sorted by
//! kind and name. Commands get them with the case row (on SQL in the same statement: an aggregate that
//! the store's hand-written `SELECT`s of a case add, `database/rows.rs`), and carry them through their
//! own timer changes to seal the set the case is left with; `audit verify` reads them from the timer
//! table. Every backend keeps them in this one shape.

use serde_json::{Value as Json, json};

use sportello_runtime::timers::TimerChange;

/// The timers in the aggregate's text (a JSON array of arrays), sorted; text that is not one (only
/// if the database is broken) stays as a string, to differ from any seal.
pub fn parse(text: &str) -> Json {
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Array(timers)) => sorted(timers),
        _ => Json::String(text.to_owned()),
    }
}

/// The timers of these rows of a timer table, sorted.
pub fn from_rows(rows: impl IntoIterator<Item = Json>) -> Json {
    sorted(rows.into_iter().collect())
}

/// One timer in the seal's shape: its kind, name, due instant (microseconds), transition and term day.
pub fn sealed(kind: &str, name: &str, due_at: i64, fire: &str, term_day: Option<&str>) -> Json {
    json!([kind, name, due_at, fire, term_day])
}

/// The timers `before` leaves after `changes`, as the store writes them: a cleared key is gone, a set
/// timer is added (after the clear of its key that comes before it).
pub fn after(before: &Json, changes: &[TimerChange]) -> Json {
    let mut timers = before.as_array().cloned().unwrap_or_default();
    for change in changes {
        match change {
            TimerChange::Clear(key) => {
                timers.retain(|t| !(t[0] == key.kind.as_str() && t[1] == key.name.as_str()));
            }
            TimerChange::Set(timer) => timers.push(sealed(
                timer.key.kind.as_str(),
                &timer.key.name,
                timer.due_at.as_microsecond(),
                timer.fire.as_str(),
                timer.term_day.map(|day| day.to_string()).as_deref(),
            )),
        }
    }
    sorted(timers)
}

fn sorted(mut timers: Vec<Json>) -> Json {
    timers.sort_by(|a, b| (a[0].as_str(), a[1].as_str()).cmp(&(b[0].as_str(), b[1].as_str())));
    Json::Array(timers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sportello_runtime::timers::{Timer, TimerKey, TimerKind};

    fn deadline(state: &str, due: i64) -> Timer {
        Timer {
            key: TimerKey { kind: TimerKind::Deadline, name: state.to_owned() },
            fire: sportello_definition::ids::TransitionId::parse("lapse").unwrap(),
            due_at: jiff::Timestamp::from_microsecond(due).unwrap(),
            term_day: None,
        }
    }

    #[test]
    fn changes_carry_the_set_forward_in_one_order() {
        let before = parse(r#"[["deadline","b",5,"lapse",null],["clock","a",7,"expire","2026-03-02"]]"#);
        assert_eq!(before[0][0], "clock", "sorted by kind, then name");
        let key = TimerKey { kind: TimerKind::Deadline, name: "b".to_owned() };
        let after = after(&before, &[TimerChange::Clear(key), TimerChange::Set(deadline("c", 9))]);
        assert_eq!(after, json!([["clock", "a", 7, "expire", "2026-03-02"], ["deadline", "c", 9, "lapse", null]]));
        assert_eq!(parse("[]"), json!([]));
        assert_eq!(parse("not json"), json!("not json"));
    }
}
