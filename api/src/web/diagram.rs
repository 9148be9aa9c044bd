//! A workflow's state diagram as an inline SVG, laid out on the server: no CDN, no script, no external
//! program. `layout-rs` places the states in layers (top to bottom, edge crossings reduced); this module
//! sizes the boxes, draws them with its own [`RenderBackend`] and writes deterministic, accessible SVG:
//! `role="img"` with a `<title>` and a `<desc>` listing the states, each state with its id and Italian
//! status, final states with a double green border, states that pause a clock dashed amber; what people
//! do is drawn solid, deadlines and clock expiries dashed amber (⏱), events (✉) and the engine's own
//! moves (⚙) dashed grey, and a transition that takes documents ends its label with them (📎), as in the
//! engine's DOT and Mermaid diagrams.

use std::fmt::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;
use sportello_definition::Definition;
use sportello_definition::diagram::{self, Trigger};

/// The diagram could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum DiagramError {
    /// The layout library gave up on this graph (it panicked; the panic was caught).
    #[error("the state diagram of `{workflow}` could not be laid out")]
    Layout {
        /// The workflow's id.
        workflow: String,
    },
}

/// Font size of state boxes, in pixels; also tells state text from edge labels in the backend.
const STATE_FONT: usize = 13;
/// Font size edge labels are drawn at.
const EDGE_FONT: f64 = 11.0;
/// The per-character width `layout-rs` assumes for edge labels (it takes one font size per character,
/// nearly twice a real sans-serif glyph): a smaller size keeps labels close to their drawn width.
const EDGE_LAYOUT_FONT: usize = 7;
/// Characters per line of a state's status before it wraps.
const WRAP: usize = 28;

/// The state diagram of `definition` as a standalone `<svg>` element.
pub fn svg(definition: &Definition) -> Result<String, DiagramError> {
    let prefix = format!("diagram-{}", definition.id);
    let mut canvas = Canvas::new(&prefix);
    catch_unwind(AssertUnwindSafe(|| {
        let mut graph = build(definition);
        graph.do_it(false, false, false, &mut canvas);
    }))
    .map_err(|_| DiagramError::Layout { workflow: definition.id.to_string() })?;
    Ok(canvas.finish(definition))
}

/// An edge's label, as the engine's own diagrams write it, and its class: `person` for what people do,
/// `timer` for deadlines and clock expiries, `engine` for events and the engine's own moves.
fn edge_label(definition: &Definition, transition: &str, from: &str) -> (String, &'static str) {
    let trigger = diagram::trigger(definition, transition, from);
    let class = match trigger {
        Trigger::Person(_) => "person",
        Trigger::Deadline(_) | Trigger::Expiry(_) => "timer",
        Trigger::Event(_) | Trigger::System => "engine",
    };
    (diagram::label(definition, transition, &trigger), class)
}

/// `text` broken into lines of at most [`WRAP`] characters, at spaces.
fn wrap(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= WRAP => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

fn build(definition: &Definition) -> VisualGraph {
    let orientation = Orientation::TopToBottom;
    let mut graph = VisualGraph::new(orientation);
    let state_look = StyleAttr::new(layout::core::color::Color::fast("black"), 1, None, 6, STATE_FONT);
    let start = graph.add_node(Element::create_with_properties(
        ShapeKind::Circle(String::new()),
        state_look.clone(),
        orientation,
        Point::splat(14.0),
        "start",
    ));
    let mut handles = Vec::with_capacity(definition.states.len());
    for (id, state) in &definition.states {
        let mut lines = vec![id.to_string()];
        lines.extend(state.status.as_ref().map(|s| wrap(&s.it)).unwrap_or_default());
        let widest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(1) as f64;
        let size =
            Point::new(widest * STATE_FONT as f64 * 0.6 + 24.0, lines.len() as f64 * STATE_FONT as f64 * 1.3 + 16.0);
        let class = if state.is_final {
            "final"
        } else if state.pauses_a_clock() {
            "paused"
        } else {
            "state"
        };
        let element = Element::create_with_properties(
            ShapeKind::Box(lines.join("\n")),
            state_look.clone(),
            orientation,
            size,
            class,
        );
        handles.push((id.as_str(), graph.add_node(element)));
    }
    let handle = |name: &str| handles.iter().find(|(id, _)| *id == name).map(|(_, h)| *h);
    if let Some(initial) = handle(&definition.initial) {
        graph.add_edge(Arrow::simple_with_properties("", "person"), start, initial);
    }
    for (id, transition) in &definition.transitions {
        for from in &transition.from {
            let (Some(source), Some(target)) = (handle(from), handle(&transition.to)) else { continue };
            let (label, class) = edge_label(definition, id, from);
            let style = if class == "person" { LineStyleKind::Normal } else { LineStyleKind::Dashed };
            let look = StyleAttr::new(layout::core::color::Color::fast("black"), 1, None, 0, EDGE_LAYOUT_FONT);
            let arrow = Arrow::with_properties(
                LineEndKind::None,
                LineEndKind::Arrow,
                style,
                &label,
                &look,
                class,
                &None,
                &None,
            );
            graph.add_edge(arrow, source, target);
        }
    }
    graph
}

/// Text for SVG content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Collects the drawing and its extent.
struct Canvas {
    prefix: String,
    body: String,
    min: Point,
    max: Point,
}

impl Canvas {
    fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
            body: String::new(),
            min: Point::splat(f64::INFINITY),
            max: Point::splat(f64::NEG_INFINITY),
        }
    }

    fn cover(&mut self, point: Point) {
        self.min = Point::new(self.min.x.min(point.x), self.min.y.min(point.y));
        self.max = Point::new(self.max.x.max(point.x), self.max.y.max(point.y));
    }

    fn finish(self, definition: &Definition) -> String {
        const MARGIN: f64 = 8.0;
        let (min, max) = if self.min.x.is_finite() { (self.min, self.max) } else { (Point::zero(), Point::zero()) };
        let (x, y) = (min.x - MARGIN, min.y - MARGIN);
        let (width, height) = (max.x - min.x + 2.0 * MARGIN, max.y - min.y + 2.0 * MARGIN);
        let p = &self.prefix;
        let finals: Vec<&str> =
            definition.states.iter().filter(|(_, s)| s.is_final).map(|(id, _)| id.as_str()).collect();
        let others: Vec<&str> =
            definition.states.iter().filter(|(_, s)| !s.is_final).map(|(id, _)| id.as_str()).collect();
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{x:.1} {y:.1} {width:.1} {height:.1}\" \
             width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-labelledby=\"{p}-title {p}-desc\" \
             class=\"state-diagram\">"
        );
        let _ = write!(
            out,
            "<title id=\"{p}-title\">Diagramma degli stati: {}</title><desc id=\"{p}-desc\">Stato iniziale: {}. \
             Altri stati: {}. Stati finali: {}.</desc>",
            escape(&definition.title.it),
            escape(&definition.initial),
            escape(&others.join(", ")),
            escape(&finals.join(", ")),
        );
        // No `<style>` of its own: the pages' Content-Security-Policy (`style-src 'self'`) would block
        // it and leave every shape black. The site stylesheet styles `.state-diagram` instead.
        out.push_str("<defs>");
        for (class, color) in [("person", "#17324d"), ("timer", "#b8860b"), ("engine", "#5c6f82")] {
            let _ = write!(
                out,
                "<marker id=\"{p}-arrow-{class}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" \
                 markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"{color}\" \
                 stroke=\"none\"/></marker>"
            );
        }
        let _ = write!(out, "</defs><g class=\"{p}\">{}</g></svg>", self.body);
        out
    }
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _: Option<ClipHandle>,
    ) {
        self.cover(xy);
        self.cover(xy.add(size));
        let class = properties.unwrap_or_default();
        let _ = write!(
            self.body,
            "<rect class=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\"/>",
            escape(&class),
            xy.x,
            xy.y,
            size.x,
            size.y
        );
        if class == "final" {
            // A second, inner border, as Graphviz's `peripheries=2`: visible without colour.
            let _ = write!(
                self.body,
                "<rect class=\"final\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"4\" fill-opacity=\"0\"/>",
                xy.x + 3.0,
                xy.y + 3.0,
                size.x - 6.0,
                size.y - 6.0
            );
        }
    }

    fn draw_line(&mut self, start: Point, stop: Point, _look: &StyleAttr, _properties: Option<String>) {
        self.cover(start);
        self.cover(stop);
        let _ = write!(
            self.body,
            "<path class=\"engine\" d=\"M{:.1} {:.1}L{:.1} {:.1}\"/>",
            start.x, start.y, stop.x, stop.y
        );
    }

    fn draw_circle(&mut self, xy: Point, size: Point, _look: &StyleAttr, _properties: Option<String>) {
        self.cover(xy.sub(size.scale(0.5)));
        self.cover(xy.add(size.scale(0.5)));
        let _ =
            write!(self.body, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\"/>", xy.x, xy.y, size.x.min(size.y) / 2.0);
    }

    fn draw_text(&mut self, xy: Point, text: &str, look: &StyleAttr) {
        let lines: Vec<&str> = text.lines().collect();
        if lines.is_empty() {
            return;
        }
        let is_state = look.font_size == STATE_FONT;
        let line_height = if is_state { STATE_FONT as f64 * 1.3 } else { EDGE_FONT * 1.2 };
        let top = xy.y - (lines.len() - 1) as f64 * line_height / 2.0;
        for (i, line) in lines.iter().enumerate() {
            let class = match (is_state, i) {
                (true, 0) => "name",
                (true, _) => "status",
                (false, _) => "label",
            };
            let _ = write!(
                self.body,
                "<text class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" dominant-baseline=\"central\">{}</text>",
                xy.x,
                top + i as f64 * line_height,
                escape(line)
            );
        }
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        let [first, second, rest @ ..] = path else { return };
        for point in path {
            self.cover(point.0);
            self.cover(point.1);
        }
        let class = properties.unwrap_or_else(|| "engine".to_owned());
        let mut d = format!(
            "M{:.1} {:.1}C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
            first.0.x, first.0.y, first.1.x, first.1.y, second.0.x, second.0.y, second.1.x, second.1.y
        );
        for point in rest {
            let _ = write!(d, "S{:.1} {:.1} {:.1} {:.1}", point.0.x, point.0.y, point.1.x, point.1.y);
        }
        let p = &self.prefix;
        let class = escape(&class);
        let start = if head.0 { format!(" marker-start=\"url(#{p}-arrow-{class})\"") } else { String::new() };
        let end = if head.1 { format!(" marker-end=\"url(#{p}-arrow-{class})\"") } else { String::new() };
        let _ = write!(self.body, "<path class=\"{class}\" d=\"{d}\"{start}{end}/>");
    }

    fn create_clip(&mut self, _xy: Point, _size: Point, _rounded_px: usize) -> ClipHandle {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workflows() -> Vec<(String, Definition)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../workflows");
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml") && !p.to_string_lossy().ends_with(".test.yaml"))
            .collect();
        paths.sort();
        assert!(paths.len() >= 5, "{paths:?}");
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).unwrap();
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                let report = sportello_definition::load_str(&text, Some(&stem));
                (stem, report.definition.unwrap_or_else(|| panic!("{path:?}: {:?}", report.diagnostics)))
            })
            .collect()
    }

    /// Checks that tags nest and close, without a full XML parser: enough to catch a broken writer.
    fn assert_balanced(svg: &str) {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            let close = rest[open..].find('>').unwrap() + open;
            let tag = &rest[open + 1..close];
            assert!(!tag.contains('<'), "a `<` inside a tag: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap());
            }
            let text = &rest[close + 1..];
            let next = text.find('<').unwrap_or(text.len());
            for entity in text[..next].split('&').skip(1) {
                assert!(
                    ["amp;", "lt;", "gt;", "quot;", "#39;"].iter().any(|e| entity.starts_with(e)),
                    "bare & in text: {entity}"
                );
            }
            rest = text;
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
    }

    #[test]
    fn every_workflow_renders_as_a_balanced_accessible_svg() {
        for (name, definition) in workflows() {
            let svg = svg(&definition).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(svg.starts_with("<svg "), "{name}");
            assert!(svg.ends_with("</svg>"), "{name}");
            assert!(svg.contains("role=\"img\""), "{name}");
            assert!(svg.contains(&format!("<title id=\"diagram-{name}-title\">")), "{name}");
            assert_balanced(&svg);
            for id in definition.states.keys() {
                assert!(svg.contains(&format!(">{id}</text>")), "{name}: state {id} missing");
            }
            let finals = definition.states.values().filter(|s| s.is_final).count();
            assert_eq!(svg.matches("<rect class=\"final\"").count(), 2 * finals, "{name}: double border");
            let view_box = svg.split("viewBox=\"").nth(1).and_then(|v| v.split('"').next()).unwrap();
            assert!(view_box.split(' ').all(|n| n.parse::<f64>().is_ok_and(f64::is_finite)), "{name}: {view_box}");
            assert!(!svg.contains("NaN"), "{name}: bad coordinates");
        }
    }

    #[test]
    fn the_output_is_deterministic() {
        for (name, definition) in workflows() {
            assert_eq!(svg(&definition).unwrap(), svg(&definition).unwrap(), "{name}");
        }
    }

    #[test]
    fn edges_say_who_or_what_fires_them() {
        let (_, nursery) = workflows().into_iter().find(|(n, _)| n == "nursery-enrolment").unwrap();
        let svg = svg(&nursery).unwrap();
        assert!(
            svg.contains(">submit (citizen) 📎 isee?</text>"),
            "a person's transition names its actors and documents"
        );
        assert!(svg.contains(">⏱ accept_by_silence (renunciation expires)</text>"), "a clock expiry names its clock");
        assert!(svg.contains(">⏱ next_month (after 1 month)</text>"), "a deadline gives its term");
        assert!(svg.contains(">✉ enrolment_fee_paid (payment.paid)</text>"), "an event is named");
        assert!(svg.contains("class=\"timer\"") && svg.contains("class=\"engine\""));
    }

    #[test]
    fn a_transition_that_takes_documents_shows_them_after_its_label() {
        let yaml = "id: permit\nversion: 1\ntitle: { it: Permesso }\noffice: edilizia\n\
            documents: { project: { title: { it: Progetto } }, isee: { title: { it: ISEE } } }\nstates:\n  \
            draft: { initial: true, status: { it: Bozza }, waiting_for: citizen }\n  \
            done: { final: true, outcome: accepted, status: { it: Inviata } }\ntransitions:\n  \
            submit: { from: draft, to: done, by: citizen, documents: { project: { min: 1 }, isee: {} } }\n";
        let permit = sportello_definition::load_str(yaml, Some("permit")).definition.unwrap();
        assert!(svg(&permit).unwrap().contains(">submit (citizen) 📎 project, isee?</text>"));
    }

    #[test]
    fn status_text_wraps_at_spaces() {
        assert_eq!(
            wrap("Posto assegnato, puoi accettarlo o rinunciare"),
            ["Posto assegnato, puoi", "accettarlo o rinunciare"]
        );
        assert!(wrap("").is_empty());
    }
}
