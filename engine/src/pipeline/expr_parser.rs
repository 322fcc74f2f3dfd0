//! Parses the expressions of `map`, `filter`, `flat_map` and `pair`.
//! Precedence, loosest first: `||`, `&&`, `!`, comparisons, primaries.
//! Recursion happens only where an expression nests (`(`, `!`, a call),
//! and each of those first opens a level on the cursor, which refuses more
//! than [`MAX_EXPR_DEPTH`](crate::pipeline::limits::MAX_EXPR_DEPTH); `&&`
//! and `||` chains are read in a loop into flat lists.

use crate::expr::{CmpOp, Expr, Func, Step};
use crate::pipeline::error::PipelineError;
use crate::pipeline::lexer::Tok;
use crate::pipeline::limits::MAX_FIELD_INDEX;
use crate::pipeline::parser::Cursor;
use crate::value::{Str, Value};

pub fn parse_expr(cur: &mut Cursor) -> Result<Expr, PipelineError> {
    or(cur)
}

fn or(cur: &mut Cursor) -> Result<Expr, PipelineError> {
    chain(cur, &Tok::OrOr, and, Expr::Any)
}

fn and(cur: &mut Cursor) -> Result<Expr, PipelineError> {
    chain(cur, &Tok::AndAnd, not, Expr::All)
}

/// `item (op item)*`: one item as itself, more as `list(items)`.
fn chain(
    cur: &mut Cursor,
    op: &Tok,
    item: fn(&mut Cursor) -> Result<Expr, PipelineError>,
    list: fn(Vec<Expr>) -> Expr,
) -> Result<Expr, PipelineError> {
    let first = item(cur)?;
    if cur.peek() != Some(op) {
        return Ok(first);
    }
    let mut items = vec![first];
    while cur.eat(op) {
        items.push(item(cur)?);
    }
    Ok(list(items))
}

/// `!` binds tighter than `&&`; each one is a level (see the module doc).
fn not(cur: &mut Cursor) -> Result<Expr, PipelineError> {
    if cur.peek() != Some(&Tok::Bang) {
        return comparison(cur);
    }
    cur.enter()?;
    cur.advance();
    let inner = not(cur);
    cur.leave();
    Ok(Expr::Not(Box::new(inner?)))
}

fn comparison(cur: &mut Cursor) -> Result<Expr, PipelineError> {
    let start = cur.offset();
    let left = primary(cur)?;
    let op = match cur.peek() {
        Some(Tok::EqEq) => CmpOp::Eq,
        Some(Tok::Ne) => CmpOp::Ne,
        Some(Tok::Lt) => CmpOp::Lt,
        Some(Tok::Le) => CmpOp::Le,
        Some(Tok::Gt) => CmpOp::Gt,
        Some(Tok::Ge) => CmpOp::Ge,
        _ => return Ok(left),
    };
    cur.advance();
    let right = primary(cur)?;
    // Two literals of different types can never compare: say so now
    // rather than on the first record.
    if let (Expr::Lit(a), Expr::Lit(b)) = (&left, &right) {
        let numeric = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_));
        let same = a.type_name() == b.type_name() || (numeric(a) && numeric(b));
        if !same && !matches!(a, Value::Null) && !matches!(b, Value::Null) {
            return Err(PipelineError::at(
                cur.src,
                start,
                cur.last_end(),
                format!(
                    "cannot compare a {} with a {}",
                    a.type_name(),
                    b.type_name()
                ),
            ));
        }
    }
    Ok(Expr::Cmp(op, Box::new(left), Box::new(right)))
}

fn primary(cur: &mut Cursor) -> Result<Expr, PipelineError> {
    let Some(tok) = cur.peek().cloned() else {
        return Err(cur.expected("an expression such as `.`, `.field` or `\"text\"`"));
    };
    match tok {
        Tok::Dot => path(cur),
        Tok::Int(i) => {
            cur.advance();
            Ok(Expr::Lit(Value::Int(i)))
        }
        Tok::Float(f) => {
            cur.advance();
            Ok(Expr::Lit(Value::Float(f)))
        }
        Tok::Minus => {
            cur.advance();
            match cur.advance().map(|t| t.tok) {
                Some(Tok::Int(i)) => Ok(Expr::Lit(Value::Int(-i))),
                Some(Tok::Float(f)) => Ok(Expr::Lit(Value::Float(-f))),
                _ => Err(PipelineError::at(
                    cur.src,
                    cur.last_end(),
                    cur.last_end() + 1,
                    "`-` must be followed by a number",
                )),
            }
        }
        Tok::Str(s) => {
            cur.advance();
            Ok(Expr::Lit(Value::Str(Str::from(s))))
        }
        Tok::LParen => {
            cur.enter()?;
            cur.advance();
            let e = group_or_pair(cur);
            cur.leave();
            e
        }
        Tok::Ident(word) => ident(cur, &word),
        _ => Err(cur.expected("an expression such as `.`, `.field` or `\"text\"`")),
    }
}

/// After `(`: `EXPR)` or the pair `EXPR, EXPR)`.
fn group_or_pair(cur: &mut Cursor) -> Result<Expr, PipelineError> {
    let first = parse_expr(cur)?;
    let e = if cur.eat(&Tok::Comma) {
        Expr::Pair(Box::new(first), Box::new(parse_expr(cur)?))
    } else {
        first
    };
    if !cur.eat(&Tok::RParen) {
        return Err(cur.expected("`)`"));
    }
    Ok(e)
}

fn ident(cur: &mut Cursor, word: &str) -> Result<Expr, PipelineError> {
    let start = cur.offset();
    cur.advance();
    match word {
        "true" => return Ok(Expr::Lit(Value::Bool(true))),
        "false" => return Ok(Expr::Lit(Value::Bool(false))),
        "null" => return Ok(Expr::Lit(Value::Null)),
        _ => {}
    }
    let Some(&(_, func, arity)) = Func::ALL.iter().find(|(name, _, _)| *name == word) else {
        let names: Vec<_> = Func::ALL.iter().map(|(n, _, _)| *n).collect();
        return Err(PipelineError::at(
            cur.src,
            start,
            cur.last_end(),
            format!(
                "unknown name `{word}`; fields start with a dot (`.{word}`), functions are {}",
                names.join(", ")
            ),
        ));
    };
    if cur.peek() != Some(&Tok::LParen) {
        return Err(cur.expected(&format!("`(` after `{word}`")));
    }
    cur.enter()?;
    cur.advance();
    let args = arguments(cur);
    cur.leave();
    let args = args?;
    if args.len() != arity {
        return Err(PipelineError::at(
            cur.src,
            start,
            cur.last_end(),
            format!("`{word}` takes {arity} argument(s), got {}", args.len()),
        ));
    }
    Ok(Expr::Call(func, args))
}

/// After a call's `(`: `)`, or arguments separated by `,` then `)`.
fn arguments(cur: &mut Cursor) -> Result<Vec<Expr>, PipelineError> {
    let mut args = Vec::new();
    if cur.eat(&Tok::RParen) {
        return Ok(args);
    }
    loop {
        args.push(parse_expr(cur)?);
        if cur.eat(&Tok::RParen) {
            return Ok(args);
        }
        if !cur.eat(&Tok::Comma) {
            return Err(cur.expected("`,` or `)`"));
        }
    }
}

/// `.` alone, or `.a.b.0`: glued steps, so `. a` is the record then `a`.
fn path(cur: &mut Cursor) -> Result<Expr, PipelineError> {
    let mut steps = Vec::new();
    while cur.peek() == Some(&Tok::Dot) {
        let dot_end = cur.offset() + 1;
        cur.advance();
        if cur.offset() != dot_end {
            break;
        }
        match cur.peek().cloned() {
            Some(Tok::Ident(name)) => steps.push(Step::Field(Str::from(name))),
            Some(Tok::Int(i)) if i > MAX_FIELD_INDEX => {
                let (start, end) = cur.next_span();
                return Err(PipelineError::at(
                    cur.src,
                    start,
                    end,
                    format!("field index `{i}` is over the limit of {MAX_FIELD_INDEX}"),
                ));
            }
            // In range on every target: checked just above.
            Some(Tok::Int(i)) if i >= 0 => steps.push(Step::Index(i as usize)),
            _ => break,
        }
        cur.advance();
    }
    Ok(Expr::Path(steps))
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use crate::pipeline::parser::parse;
    use crate::pipeline::stage::Stage;
    use crate::value::{Str, Value};

    fn expr(src: &str) -> crate::expr::Expr {
        match parse(&format!("map {src}")).unwrap().remove(0).stage {
            Stage::Map(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn evaluates_paths_pairs_and_logic() {
        let rec = Value::Object(vec![
            (Str::from("user"), Value::str("u7")),
            (Str::from("ms"), Value::Float(41.5)),
        ]);
        assert_eq!(
            expr("(.user, .ms)").eval(&rec).unwrap(),
            Value::from(("u7", 41.5))
        );
        assert_eq!(
            expr(".ms > 40 && starts_with(.user, \"u\") || false")
                .eval(&rec)
                .unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            expr("!(.ms <= -1.5)").eval(&rec).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(expr("len(.user)").eval(&rec).unwrap(), Value::Int(2));
        let p = Value::from(("a", 3i64));
        assert_eq!(expr(".1").eval(&p).unwrap(), Value::Int(3));
        assert_eq!(expr(".").eval(&p).unwrap(), p);
    }

    #[test]
    fn literal_type_mismatch_is_refused_at_parse_time() {
        let e = parse("filter \"a\" == 1").unwrap_err();
        assert_eq!(e.message, "cannot compare a string with a number");
        assert_eq!(e.column, 8);
    }

    #[test]
    fn unknown_names_suggest_a_field() {
        let e = parse("map user").unwrap_err();
        assert!(e.message.contains("`.user`"), "{e}");
    }
}
