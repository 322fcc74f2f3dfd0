//! Tokens of the pipeline language, each with its byte span so every error
//! can point at the place it is about.

use crate::duration::Duration;
use crate::pipeline::error::PipelineError;

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Ident(String),
    Int(i64),
    Float(f64),
    Dur(Duration),
    Str(String),
    Pipe,
    OrOr,
    AndAnd,
    Bang,
    EqEq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LParen,
    RParen,
    Comma,
    Dot,
    Minus,
}

impl Tok {
    /// How the token reads in an error message.
    pub fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(i) => format!("`{i}`"),
            Tok::Float(f) => format!("`{f}`"),
            Tok::Dur(d) => format!("`{d}`"),
            Tok::Str(s) => format!("\"{s}\""),
            Tok::Pipe => "`|`".into(),
            Tok::OrOr => "`||`".into(),
            Tok::AndAnd => "`&&`".into(),
            Tok::Bang => "`!`".into(),
            Tok::EqEq => "`==`".into(),
            Tok::Ne => "`!=`".into(),
            Tok::Lt => "`<`".into(),
            Tok::Le => "`<=`".into(),
            Tok::Gt => "`>`".into(),
            Tok::Ge => "`>=`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::Comma => "`,`".into(),
            Tok::Dot => "`.`".into(),
            Tok::Minus => "`-`".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    /// Byte offsets into the pipeline text.
    pub start: usize,
    pub end: usize,
}

pub fn lex(src: &str) -> Result<Vec<Token>, PipelineError> {
    let bytes = src.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let two = |a: u8, b: u8| c == a && bytes.get(i + 1) == Some(&b);
        let (tok, len) = if two(b'|', b'|') {
            (Tok::OrOr, 2)
        } else if two(b'&', b'&') {
            (Tok::AndAnd, 2)
        } else if two(b'=', b'=') {
            (Tok::EqEq, 2)
        } else if two(b'!', b'=') {
            (Tok::Ne, 2)
        } else if two(b'<', b'=') {
            (Tok::Le, 2)
        } else if two(b'>', b'=') {
            (Tok::Ge, 2)
        } else {
            match c {
                b'|' => (Tok::Pipe, 1),
                b'!' => (Tok::Bang, 1),
                b'<' => (Tok::Lt, 1),
                b'>' => (Tok::Gt, 1),
                b'(' => (Tok::LParen, 1),
                b')' => (Tok::RParen, 1),
                b',' => (Tok::Comma, 1),
                b'.' => (Tok::Dot, 1),
                b'-' => (Tok::Minus, 1),
                b'"' | b'\'' => {
                    let (s, end) = lex_string(src, i)?;
                    out.push(Token {
                        tok: Tok::Str(s),
                        start,
                        end,
                    });
                    i = end;
                    continue;
                }
                b'0'..=b'9' => {
                    let after_dot = out.last().is_some_and(|t| t.tok == Tok::Dot && t.end == i);
                    let (tok, end) = lex_number(src, i, after_dot)?;
                    out.push(Token { tok, start, end });
                    i = end;
                    continue;
                }
                c if c == b'_' || c.is_ascii_alphabetic() => {
                    let end = scan(bytes, i, |b| b == b'_' || b.is_ascii_alphanumeric());
                    out.push(Token {
                        tok: Tok::Ident(src[i..end].to_string()),
                        start,
                        end,
                    });
                    i = end;
                    continue;
                }
                _ => {
                    let ch = src[i..].chars().next().unwrap_or('?');
                    let what = if c == b'=' {
                        "`=` (did you mean `==`?)".to_string()
                    } else {
                        format!("`{ch}`")
                    };
                    return Err(PipelineError::at(
                        src,
                        i,
                        i + ch.len_utf8(),
                        format!("unexpected character {what}"),
                    ));
                }
            }
        };
        out.push(Token {
            tok,
            start,
            end: i + len,
        });
        i += len;
    }
    Ok(out)
}

fn scan(bytes: &[u8], mut i: usize, keep: impl Fn(u8) -> bool) -> usize {
    while i < bytes.len() && keep(bytes[i]) {
        i += 1;
    }
    i
}

/// `12`, `1.5`, and durations written as a number glued to a unit (`10s`).
/// Right after a `.` only digits are read, so `.0.1` is two pair fields.
fn lex_number(src: &str, start: usize, after_dot: bool) -> Result<(Tok, usize), PipelineError> {
    let bytes = src.as_bytes();
    let mut end = scan(bytes, start, |b| b.is_ascii_digit());
    if after_dot {
        let text = &src[start..end];
        return text.parse().map(|i| (Tok::Int(i), end)).map_err(|_| {
            PipelineError::at(
                src,
                start,
                end,
                format!("field index `{text}` is too large"),
            )
        });
    }
    let mut is_float = false;
    if bytes.get(end) == Some(&b'.') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
        is_float = true;
        end = scan(bytes, end + 1, |b| b.is_ascii_digit());
    }
    let number = &src[start..end];
    let unit_end = scan(bytes, end, |b| b.is_ascii_alphabetic());
    if unit_end > end {
        // Exact and bounded (a year at most): see `Duration::from_parts`.
        let dur = Duration::from_parts(number, &src[end..unit_end])
            .map_err(|e| PipelineError::at(src, start, unit_end, e.to_string()))?;
        return Ok((Tok::Dur(dur), unit_end));
    }
    let bad = |what: &str| PipelineError::at(src, start, end, format!("number `{number}` {what}"));
    if is_float {
        // Digits parse to a float or to infinity, never to an error; an
        // infinite literal is refused like an integer that overflows.
        match number.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok((Tok::Float(f), end)),
            _ => Err(bad("is too large for a number")),
        }
    } else {
        number
            .parse()
            .map(|i| (Tok::Int(i), end))
            .map_err(|_| bad(&format!("is too large: integers are at most {}", i64::MAX)))
    }
}

/// A string in double or single quotes; `\"`, `\\`, `\n`, `\t` escapes.
fn lex_string(src: &str, start: usize) -> Result<(String, usize), PipelineError> {
    let quote = src.as_bytes()[start] as char;
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((off, ch)) = chars.next() {
        match ch {
            c if c == quote => return Ok((out, start + 1 + off + 1)),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, c)) => out.push(c),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(PipelineError::at(
        src,
        start,
        src.len(),
        format!("string starting here is missing its closing {quote}"),
    ))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn pipes_and_logical_or_are_distinct() {
        assert_eq!(
            toks("filter .a || .b | count"),
            vec![
                Tok::Ident("filter".into()),
                Tok::Dot,
                Tok::Ident("a".into()),
                Tok::OrOr,
                Tok::Dot,
                Tok::Ident("b".into()),
                Tok::Pipe,
                Tok::Ident("count".into()),
            ]
        );
    }

    #[test]
    fn durations_fields_and_floats() {
        assert_eq!(toks("10s"), vec![Tok::Dur(Duration::from_secs(10))]);
        assert_eq!(
            toks(".0.1"),
            vec![Tok::Dot, Tok::Int(0), Tok::Dot, Tok::Int(1)]
        );
        assert_eq!(toks("1.5"), vec![Tok::Float(1.5)]);
        assert_eq!(toks("'a|b'"), vec![Tok::Str("a|b".into())]);
    }

    #[test]
    fn numbers_and_durations_that_overflow_are_positioned_errors() {
        let e = lex("top 9223372036854775808").unwrap_err();
        assert_eq!((e.column, e.span), (5, (4, 23)));
        assert!(
            e.message
                .contains("integers are at most 9223372036854775807"),
            "{e}"
        );
        assert_eq!(toks("9223372036854775807"), vec![Tok::Int(i64::MAX)]);
        let huge = format!("filter . > {}.5", "9".repeat(400));
        let e = lex(&huge).unwrap_err();
        assert_eq!(e.column, 12);
        assert!(e.message.contains("too large"), "{e}");
        let e = lex("window 100000000000000h").unwrap_err();
        assert_eq!((e.column, e.span), (8, (7, 23)));
        assert!(e.message.contains("limit of 365 days"), "{e}");
        let e = lex("window 18446744073709551616ms").unwrap_err();
        assert!(e.message.contains("limit of 365 days"), "{e}");
        let e = lex("window 1.0000001s").unwrap_err();
        assert!(e.message.contains("whole number of milliseconds"), "{e}");
        assert_eq!(toks("0.1s"), vec![Tok::Dur(Duration::from_millis(100))]);
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = lex("map . = 1").unwrap_err();
        assert_eq!(e.column, 7);
        assert!(e.message.contains("did you mean `==`"));
        assert!(lex("split \"x").unwrap_err().message.contains("closing"));
    }
}
