//! Validation speed on a large generated workflow: 200 states and 600 transitions, with guards, inputs,
//! a clock, deadlines and notifications, so every check runs (two thirds of the transitions have a guard,
//! against about one in six in the shipped procedures); then one shipped procedure. Target: under 5 ms.

use std::fmt::Write;

use criterion::{Criterion, criterion_group, criterion_main};

/// A valid workflow with `states` states and three transitions out of each non-final state.
fn generated(states: usize) -> String {
    let mut y = String::from(
        "id: generated\nversion: 1\ntitle: {it: Procedimento generato}\noffice: segreteria\ncalendar: modena\n\
         roles:\n  clerk: {}\n\
         data:\n  type: object\n  properties:\n    amount: {type: integer, label: {it: Importo}}\n    reason: {type: string, maxLength: 200, label: {it: Motivo}}\n    flag: {type: boolean, label: {it: Segnalata}}\n\
         clocks:\n  procedure: {days: 30, counting: business, starts_on: s1, on_expiry: expire}\n\
         notifications:\n  moved:\n    subject: 'Aggiornamento della pratica {{case.code}}'\n    markdown: 'La pratica {{case.code}} è passata allo stato {{state.status}}. Il termine scade il {{clock.procedure.due}}. Motivo: {{data.reason}}. Puoi seguire la pratica nella tua area personale del sito del Comune.'\n\
         states:\n",
    );
    for i in 0..states {
        let last = i == states - 1;
        let _ = write!(y, "  s{i}:\n    status: {{it: 'Stato numero {i}'}}\n");
        if i == 0 {
            y.push_str("    initial: true\n");
        }
        if last {
            y.push_str("    final: true\n    outcome: accepted\n");
        } else {
            y.push_str("    waiting_for: office\n    on_enter: [{notify: moved}]\n");
        }
        if i % 10 == 5 {
            let _ = write!(
                y,
                "    deadline: {{after: '10 business days', fire: timeout{i}}}\n    clock: {{procedure: suspend}}\n"
            );
        }
    }
    y.push_str("transitions:\n");
    let mut count = 0;
    let expire_from: Vec<String> = (0..states - 1).filter(|i| i % 10 != 5).map(|i| format!("s{i}")).collect();
    let _ = writeln!(y, "  expire: {{from: [{}], to: s{}, by: system}}", expire_from.join(", "), states - 1);
    count += 1;
    for i in 0..states - 1 {
        let _ = writeln!(
            y,
            "  next{i}: {{from: s{i}, to: s{}, by: clerk, when: 'data.amount > {i} && !data.flag', refusal: {{it: 'Non ancora'}}, input: {{required: [reason]}}}}",
            i + 1
        );
        let _ = writeln!(
            y,
            "  jump{i}: {{from: s{i}, to: s{}, by: [clerk, citizen], when: 'size(data.reason) < 100 || clock.procedure.remaining_days > 3', refusal: {{it: 'Non ancora'}}}}",
            (i + 7).min(states - 1)
        );
        count += 2;
        if i % 10 == 5 {
            let _ = writeln!(y, "  timeout{i}: {{from: s{i}, to: s{}, by: system}}", states - 1);
        } else if i > 0 {
            let _ = writeln!(y, "  back{i}: {{from: s{i}, to: s{}, by: clerk}}", i / 2);
        } else {
            let _ = writeln!(y, "  withdraw{i}: {{from: s{i}, to: s{}, by: citizen}}", states - 1);
        }
        count += 1;
    }
    assert!(count >= 3 * (states - 1));
    y
}

fn bench(c: &mut Criterion) {
    let text = generated(200);
    let report = sportello_definition::load_str(&text, Some("generated"));
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    let definition = report.definition.as_ref().map(|d| (d.states.len(), d.transitions.len()));
    assert_eq!(definition, Some((200, 598)));
    c.bench_function("validate 200 states, 598 transitions", |b| {
        b.iter(|| sportello_definition::load_str(std::hint::black_box(&text), Some("generated")))
    });
    // Where the time goes: reading the YAML into the located tree alone, and the same workflow
    // without its 398 guards and 199 inputs (the CEL parser and JSON Schema share).
    c.bench_function("parse only (same file)", |b| {
        b.iter(|| sportello_definition::parse::parse_text(std::hint::black_box(&text)))
    });
    let unguarded: String = text
        .lines()
        .map(|line| match line.find(", when:") {
            Some(at) => format!("{}}}\n", &line[..at]),
            None => format!("{line}\n"),
        })
        .collect();
    assert!(sportello_definition::load_str(&unguarded, Some("generated")).diagnostics.is_empty());
    c.bench_function("validate without guards and inputs", |b| {
        b.iter(|| sportello_definition::load_str(std::hint::black_box(&unguarded), Some("generated")))
    });
}

/// The shipped procedures, as analysts really write them.
fn shipped(c: &mut Criterion) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../workflows/building-permit.yaml");
    let text = std::fs::read_to_string(path).expect("workflows/building-permit.yaml");
    assert!(sportello_definition::load_str(&text, Some("building-permit")).is_valid());
    c.bench_function("validate workflows/building-permit.yaml", |b| {
        b.iter(|| sportello_definition::load_str(std::hint::black_box(&text), Some("building-permit")))
    });
}

criterion_group!(benches, bench, shipped);
criterion_main!(benches);
