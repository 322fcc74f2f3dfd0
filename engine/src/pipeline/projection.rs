//! Projection pushdown for `json | map EXPR`: when EXPR reads only
//! top-level fields (`.path`, `.level == "error"`), the record's text is
//! scanned once and only those fields become values; the rest is checked
//! and skipped, never built. The scan takes the common shape, a flat
//! object of strings without escapes, numbers, booleans and nulls; any
//! other record (nested, escaped, or not JSON at all) goes the general way,
//! through serde_json, so a record reads, or is refused with its reason,
//! exactly as unfused (`tests/json_projection.rs` checks both on random
//! JSON).

use crate::expr::{Expr, Step};
use crate::value::{Str, Value};

/// The top-level fields `e` reads, or `None` when it reads the record some
/// other way (the whole record `.`, an index `.0`).
pub fn fields(e: &Expr) -> Option<Vec<Str>> {
    fn walk(e: &Expr, out: &mut Vec<Str>) -> bool {
        match e {
            Expr::Lit(_) => true,
            Expr::Path(steps) => match steps.first() {
                Some(Step::Field(name)) => {
                    if !out.contains(name) {
                        out.push(name.clone());
                    }
                    true
                }
                _ => false,
            },
            Expr::Pair(a, b) | Expr::Cmp(_, a, b) => walk(a, out) && walk(b, out),
            Expr::Not(a) => walk(a, out),
            Expr::All(items) | Expr::Any(items) | Expr::Call(_, items) => {
                items.iter().all(|i| walk(i, out))
            }
        }
    }
    let mut out = Vec::new();
    walk(e, &mut out).then_some(out)
}

/// The fields of `text` named in `wanted`, as an object in the text's
/// order (a repeated field: its last value), when `text` is a flat JSON
/// object of the common shape; `None` otherwise, for the general way.
pub fn project(text: &str, wanted: &[Str]) -> Option<Value> {
    let mut s = Scan {
        b: text.as_bytes(),
        i: 0,
    };
    let mut fields: Vec<(Str, Value)> = Vec::with_capacity(wanted.len());
    s.ws();
    s.eat(b'{')?;
    s.ws();
    if s.peek()? == b'}' {
        s.i += 1;
    } else {
        loop {
            s.ws();
            let key = s.string()?;
            s.ws();
            s.eat(b':')?;
            s.ws();
            let want = wanted.iter().any(|w| w.as_str() == key);
            let value = s.scalar(want)?;
            if let Some(value) = value {
                match fields.iter_mut().find(|(k, _)| k.as_str() == key) {
                    Some(field) => field.1 = value,
                    None => fields.push((Str::from(key), value)),
                }
            }
            s.ws();
            match s.next()? {
                b',' => continue,
                b'}' => break,
                _ => return None,
            }
        }
    }
    s.ws();
    (s.i == s.b.len()).then_some(Value::Object(fields))
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    /// JSON's whitespace: space, tab, newline, carriage return.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// A string without escapes or control characters, as the text between
    /// its quotes.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.i;
        let len = memchr::memchr2(b'"', b'\\', &self.b[start..])?;
        let end = start + len;
        if self.b[end] != b'"' || self.b[start..end].iter().any(|&c| c < 0x20) {
            return None;
        }
        self.i = end + 1;
        // Cut at ASCII quotes of a `&str`: still UTF-8.
        std::str::from_utf8(&self.b[start..end]).ok()
    }

    /// A string, number, boolean or null: its value when `want`, else
    /// only checked. `None` for anything else (an object, a list, a
    /// mistake): the general way takes the record.
    fn scalar(&mut self, want: bool) -> Option<Option<Value>> {
        let literal = |s: &mut Scan, word: &[u8], v: Value| {
            s.b.get(s.i..s.i + word.len())
                .filter(|w| *w == word)
                .map(|_| {
                    s.i += word.len();
                    want.then_some(v)
                })
        };
        match self.peek()? {
            b'"' => {
                let text = self.string()?;
                Some(want.then(|| Value::str(text)))
            }
            b't' => literal(self, b"true", Value::Bool(true)),
            b'f' => literal(self, b"false", Value::Bool(false)),
            b'n' => literal(self, b"null", Value::Null),
            b'-' | b'0'..=b'9' => {
                let text = self.number()?;
                match want {
                    true => number_value(text).map(Some),
                    false => Some(None),
                }
            }
            _ => None,
        }
    }

    /// JSON's number grammar, as its text.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.next()? {
            b'0' => {}
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.digit()?;
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            self.digit()?;
            self.digits();
        }
        std::str::from_utf8(&self.b[start..self.i]).ok()
    }

    fn digit(&mut self) -> Option<()> {
        self.next().filter(u8::is_ascii_digit).map(|_| ())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
    }
}

/// A number's value as serde_json reads it: a plain integer of up to 18
/// digits at once; anything else (a sign, a fraction, an exponent, a big
/// integer) by serde_json itself, so floats round as theirs do.
fn number_value(text: &str) -> Option<Value> {
    if text.len() <= 18 && text.bytes().all(|c| c.is_ascii_digit()) {
        return text.parse().ok().map(Value::Int);
    }
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .map(Value::from_json)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn wanted(names: &[&str]) -> Vec<Str> {
        names.iter().map(|n| Str::from(*n)).collect()
    }

    #[test]
    fn the_wanted_fields_of_a_flat_object_in_the_texts_order() {
        let got = project(
            r#" {"ts": 17, "level": "error", "path": "/a", "ok": true, "x": -0.5e3, "path": "/b"} "#,
            &wanted(&["path", "level", "missing"]),
        );
        let want = Value::from_json(serde_json::json!({"level": "error", "path": "/b"}));
        assert_eq!(got, Some(want));
    }

    #[test]
    fn other_shapes_and_mistakes_go_the_general_way() {
        let w = wanted(&["a"]);
        for text in [
            r#"{"a": {"b": 1}}"#,
            r#"{"a": [1]}"#,
            r#"{"a": "tab\t"}"#,
            r#"{"a": "q\"q"}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a": tru}"#,
            r#"{"a": 1,}"#,
            r#"{"a": 1} x"#,
            r#"["a", 1]"#,
            "{\"a\": \"\u{1}\"}",
            "",
        ] {
            assert_eq!(project(text, &w), None, "{text}");
        }
    }

    #[test]
    fn fields_read_by_an_expression() {
        let e = crate::pipeline::parse("map (.path, .level == \"error\")").unwrap();
        let crate::pipeline::stage::Stage::Map(e) = &e[0].stage else {
            panic!("a map")
        };
        assert_eq!(fields(e), Some(wanted(&["path", "level"])));
        let e = crate::pipeline::parse("map (., 1)").unwrap();
        let crate::pipeline::stage::Stage::Map(e) = &e[0].stage else {
            panic!("a map")
        };
        assert_eq!(fields(e), None);
    }
}
