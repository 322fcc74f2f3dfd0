//! Turns pipeline text (`split | lower | count_by_value_and_window 10s`)
//! into stages, with errors that name the stage, the column and what was
//! expected there.

use crate::duration::Duration;
use crate::event_time::{OutputMode, UPDATE_REFUSED};
use crate::pipeline::error::PipelineError;
use crate::pipeline::expr_parser;
use crate::pipeline::lexer::{lex, Tok, Token};
use crate::pipeline::limits::{self, MAX_EXPR_DEPTH, MAX_STAGES, MAX_TOP, MAX_VALUE_NESTING};
use crate::pipeline::reduce_fn::ReduceFn;
use crate::pipeline::stage::{did_you_mean, snake_case, usage, Stage, WindowSpec, OPERATORS};

/// A parsed stage with its name as written and its place in the text.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedStage {
    pub stage: Stage,
    pub name: String,
    /// Byte span of the whole stage in the pipeline text.
    pub start: usize,
    pub end: usize,
}

/// Reads tokens front to back; every error it makes points into `src`.
pub struct Cursor<'a> {
    pub src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    /// Expression levels open here (see [`Cursor::enter`]).
    depth: usize,
}

impl<'a> Cursor<'a> {
    pub fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    pub fn advance(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += t.is_some() as usize;
        t
    }

    pub fn eat(&mut self, tok: &Tok) -> bool {
        let hit = self.peek() == Some(tok);
        self.pos += hit as usize;
        hit
    }

    /// At the end of this stage: end of input or the next `|`.
    pub fn at_stage_end(&self) -> bool {
        matches!(self.peek(), None | Some(Tok::Pipe))
    }

    /// Byte offset of the next token (or the end of the text).
    pub fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.src.len(), |t| t.start)
    }

    /// Opens an expression level at the next token (a `(`, a `!`, a
    /// call's `(`), refusing one past [`MAX_EXPR_DEPTH`]: the parser calls
    /// this before it recurses, so hostile nesting stops here, not in a
    /// stack overflow. Each `enter` that succeeds is paired with [`leave`].
    ///
    /// [`leave`]: Cursor::leave
    pub fn enter(&mut self) -> Result<(), PipelineError> {
        if self.depth >= MAX_EXPR_DEPTH {
            let (start, end) = self.next_span();
            return Err(PipelineError::at(self.src, start, end, limits::too_deep()));
        }
        self.depth += 1;
        Ok(())
    }

    /// Byte span of the next token (just past the end at the end).
    pub fn next_span(&self) -> (usize, usize) {
        self.toks
            .get(self.pos)
            .map_or((self.src.len(), self.src.len() + 1), |t| (t.start, t.end))
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub fn last_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |t| t.end)
    }

    /// "expected X, found Y" at the next token.
    pub fn expected(&self, what: &str) -> PipelineError {
        match self.toks.get(self.pos) {
            Some(t) => PipelineError::at(
                self.src,
                t.start,
                t.end,
                format!("expected {what}, found {}", t.tok.describe()),
            ),
            None => PipelineError::at(
                self.src,
                self.src.len(),
                self.src.len() + 1,
                format!("expected {what}, found the end of the pipeline"),
            ),
        }
    }
}

/// Parses a whole pipeline into its stages, within the language's
/// [`limits`]: the text's length is checked before it is lexed, the stage
/// count as each stage starts, expression depth as each level opens, and
/// the nesting of records as each stage ends.
pub fn parse(src: &str) -> Result<Vec<ParsedStage>, PipelineError> {
    limits::check_length(src)?;
    let toks = lex(src).map_err(|e| in_lexed_stage(src, e))?;
    let mut cur = Cursor {
        src,
        toks,
        pos: 0,
        depth: 0,
    };
    let mut stages = Vec::new();
    let mut nesting = 0;
    if cur.peek().is_none() {
        return Err(PipelineError::whole(
            "the pipeline is empty; try `split | count_by_value`",
        ));
    }
    loop {
        let index = stages.len() + 1;
        let start = cur.offset();
        if index > MAX_STAGES {
            let name = match cur.peek() {
                Some(Tok::Ident(word)) => word.clone(),
                _ => "?".into(),
            };
            let (start, end) = cur.next_span();
            let e = PipelineError::at(src, start, end, limits::too_many_stages());
            return Err(e.in_stage(index, &name));
        }
        let (stage, name) = match cur.advance() {
            Some(Token {
                tok: Tok::Ident(word),
                start,
                end,
            }) => {
                let name = snake_case(&word);
                let stage = parse_args(&name, &mut cur)
                    .map_err(|e| e.in_stage(index, &word))?
                    .ok_or_else(|| unknown_operator(src, start, end, &word, index))?;
                if !cur.at_stage_end() {
                    let e = cur.expected(&format!("`|` or the end (usage: {})", usage(&name)));
                    return Err(e.in_stage(index, &word));
                }
                (stage, word)
            }
            Some(_) | None => {
                let e = cur.expected("an operator name such as `split` or `count_by_value`");
                return Err(e.in_stage(index, "?"));
            }
        };
        let end = cur.last_end();
        nesting = limits::nesting_after(&stage, nesting);
        if nesting > MAX_VALUE_NESTING {
            let e = PipelineError::at(src, start, end, limits::nests_too_deep(nesting));
            return Err(e.in_stage(index, &name));
        }
        stages.push(ParsedStage {
            stage,
            name,
            start,
            end,
        });
        if !cur.eat(&Tok::Pipe) {
            return Ok(stages);
        }
    }
}

/// A lexing error (a number out of range, a stray character) names its
/// stage too: the text before it lexes, and its `|`s say which stage.
fn in_lexed_stage(src: &str, e: PipelineError) -> PipelineError {
    let at = src
        .char_indices()
        .nth(e.span.0)
        .map_or(src.len(), |(b, _)| b);
    let Ok(before) = lex(&src[..at]) else {
        return e;
    };
    let first = before
        .iter()
        .rposition(|t| t.tok == Tok::Pipe)
        .map_or(0, |i| i + 1);
    let index = before.iter().filter(|t| t.tok == Tok::Pipe).count() + 1;
    let name = match before.get(first).map(|t| &t.tok) {
        Some(Tok::Ident(word)) => word.as_str(),
        _ => "?",
    };
    e.in_stage(index, name)
}

fn unknown_operator(
    src: &str,
    start: usize,
    end: usize,
    word: &str,
    index: usize,
) -> PipelineError {
    let hint = match did_you_mean(&snake_case(word)) {
        Some(op) => format!("; did you mean `{op}`?"),
        None => format!(
            "; operators are {}",
            OPERATORS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    PipelineError::at(src, start, end, format!("unknown operator{hint}")).in_stage(index, word)
}

/// The arguments of operator `name`; `Ok(None)` when there is no such operator.
fn parse_args(name: &str, cur: &mut Cursor) -> Result<Option<Stage>, PipelineError> {
    Ok(Some(match name {
        "split" => Stage::Split(optional_string(cur)?),
        "lower" => Stage::Lower,
        "upper" => Stage::Upper,
        "trim" => Stage::Trim,
        "json" => Stage::Json,
        "map" => Stage::Map(expr_parser::parse_expr(cur)?),
        "flat_map" => Stage::FlatMap(expr_parser::parse_expr(cur)?),
        "filter" => Stage::Filter(expr_parser::parse_expr(cur)?),
        "pair" if cur.at_stage_end() => Stage::Pair(None),
        "pair" => Stage::Pair(Some(expr_parser::parse_expr(cur)?)),
        "count" => Stage::Count,
        "count_by_value" => Stage::CountByValue,
        "reduce" => Stage::Reduce(reduce_fn(cur)?),
        "reduce_by_key" => Stage::ReduceByKey(reduce_fn(cur)?),
        "group_by_key" => Stage::GroupByKey,
        "union" => Stage::Union,
        "window" => Stage::Window(window(cur)?),
        "count_by_window" => Stage::CountByWindow(window(cur)?),
        "reduce_by_window" => {
            let f = reduce_fn(cur)?;
            Stage::ReduceByWindow(f, window(cur)?)
        }
        "reduce_by_key_and_window" => {
            let f = reduce_fn(cur)?;
            let w = window(cur)?;
            let inverse = match cur.peek() {
                Some(Tok::Ident(word)) if word == "inverse" => {
                    cur.advance();
                    true
                }
                _ => false,
            };
            Stage::ReduceByKeyAndWindow(f, w, inverse)
        }
        "count_by_value_and_window" => Stage::CountByValueAndWindow(window(cur)?),
        "group_by_key_and_window" => Stage::GroupByKeyAndWindow(window(cur)?),
        "update_state_by_key" => Stage::UpdateStateByKey(reduce_fn(cur)?),
        "top" => Stage::Top(count_arg(cur)?),
        "with_watermark" => {
            let time = expr_parser::parse_expr(cur)?;
            Stage::WithWatermark(time, delay(cur)?)
        }
        "event_window" => {
            let w = window(cur)?;
            let f = reduce_fn(cur)?;
            Stage::EventWindow(w, f, output_mode(cur, false)?)
        }
        "session_window" => {
            let gap = duration(cur, "the session gap")?;
            let f = reduce_fn(cur)?;
            Stage::SessionWindow(gap, f, output_mode(cur, true)?)
        }
        _ => return Ok(None),
    }))
}

fn optional_string(cur: &mut Cursor) -> Result<Option<String>, PipelineError> {
    if cur.at_stage_end() {
        return Ok(None);
    }
    match cur.peek() {
        Some(Tok::Str(s)) if !s.is_empty() => {
            let s = s.clone();
            cur.advance();
            Ok(Some(s))
        }
        _ => Err(cur.expected("a non-empty separator in quotes, such as \",\"")),
    }
}

fn reduce_fn(cur: &mut Cursor) -> Result<ReduceFn, PipelineError> {
    if let Some(Tok::Ident(word)) = cur.peek() {
        if let Some(f) = ReduceFn::from_name(word) {
            cur.advance();
            return Ok(f);
        }
    }
    Err(cur.expected("a function: sum, min, max, count or mean"))
}

fn duration(cur: &mut Cursor, what: &str) -> Result<Duration, PipelineError> {
    match cur.peek() {
        Some(Tok::Dur(d)) if d.as_millis() > 0 => {
            let d = *d;
            cur.advance();
            Ok(d)
        }
        Some(Tok::Int(_) | Tok::Float(_)) => {
            Err(cur.expected(&format!("{what} with a unit, such as 10s or 500ms")))
        }
        _ => Err(cur.expected(&format!("{what}, a positive duration such as 10s or 500ms"))),
    }
}

/// The watermark's delay: a duration, which may be zero (Spark's
/// `withWatermark(ts, "0 seconds")`).
fn delay(cur: &mut Cursor) -> Result<Duration, PipelineError> {
    match cur.peek() {
        Some(Tok::Dur(d)) => {
            let d = *d;
            cur.advance();
            Ok(d)
        }
        _ => Err(cur.expected("the watermark's delay, a duration such as 10s or 0s")),
    }
}

/// An optional output mode (append by default); update is refused for
/// `sessions`, with Spark's message.
fn output_mode(cur: &mut Cursor, sessions: bool) -> Result<OutputMode, PipelineError> {
    let Some(Tok::Ident(word)) = cur.peek() else {
        return match cur.at_stage_end() {
            true => Ok(OutputMode::Append),
            false => Err(cur.expected("an output mode: append, update or complete")),
        };
    };
    let mode = OutputMode::from_name(word)
        .ok_or_else(|| cur.expected("an output mode: append, update or complete"))?;
    if sessions && mode == OutputMode::Update {
        let (start, end) = cur.next_span();
        return Err(PipelineError::at(cur.src, start, end, UPDATE_REFUSED));
    }
    cur.advance();
    Ok(mode)
}

fn window(cur: &mut Cursor) -> Result<WindowSpec, PipelineError> {
    let len = duration(cur, "the window length")?;
    let slide = match cur.peek() {
        Some(Tok::Dur(_)) => Some(duration(cur, "the slide")?),
        _ => None,
    };
    Ok(WindowSpec { len, slide })
}

/// `top`'s N, within [`MAX_TOP`]: checked before it becomes a `usize`,
/// which on wasm32 is 32 bits.
fn count_arg(cur: &mut Cursor) -> Result<usize, PipelineError> {
    match cur.peek() {
        Some(&Tok::Int(n)) if n > 0 => match usize::try_from(n) {
            Ok(n) if n <= MAX_TOP => {
                cur.advance();
                Ok(n)
            }
            _ => {
                let (start, end) = cur.next_span();
                Err(PipelineError::at(
                    cur.src,
                    start,
                    end,
                    format!("`top {n}` is over the top limit of {MAX_TOP}"),
                ))
            }
        },
        _ => Err(cur.expected("a positive whole number, such as 10")),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn misspelt_operator_names_the_stage_column_and_suggestion() {
        let e = parse("split | lower | windw 10s").unwrap_err();
        assert_eq!(
            e.to_string(),
            "stage 3 `windw`, column 17: unknown operator; did you mean `window`?"
        );
    }

    #[test]
    fn lexing_errors_name_their_stage() {
        let e = parse("split | window 100000000000000h").unwrap_err();
        assert_eq!(e.stage, Some((2, "window".into())));
        assert_eq!(e.column, 16);
        let e = parse("map . = 1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "stage 1 `map`, column 7: unexpected character `=` (did you mean `==`?)"
        );
        let e = parse("split | filter . == 'x").unwrap_err();
        assert_eq!(e.stage, Some((2, "filter".into())));
        let e = parse("é | 'open").unwrap_err();
        assert_eq!(e.column, 1);
    }

    #[test]
    fn camel_case_aliases_and_inverse() {
        let s = parse("countByValueAndWindow 30s 10s").unwrap();
        assert!(matches!(s[0].stage, Stage::CountByValueAndWindow(_)));
        let s = parse("pair | reduce_by_key_and_window sum 30s inverse").unwrap();
        assert!(matches!(
            s[1].stage,
            Stage::ReduceByKeyAndWindow(ReduceFn::Sum, _, true)
        ));
    }

    #[test]
    fn missing_unit_and_trailing_junk_say_what_was_expected() {
        let e = parse("window 10").unwrap_err();
        assert!(e.message.contains("with a unit"), "{e}");
        let e = parse("top 10 20").unwrap_err();
        assert!(e.message.contains("usage: top N"), "{e}");
        let e = parse("split |").unwrap_err();
        assert!(e.message.contains("found the end"), "{e}");
        assert_eq!(e.stage, Some((2, "?".into())));
    }
}
